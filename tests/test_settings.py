import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_stops_startup_with_debug_off():
    result = _run("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="vp.example.nhs.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
