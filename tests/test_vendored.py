"""axe-core is vendored for the browser tests only: no template of the app loads it, and its licence
travels with it."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_no_template_loads_axe_core():
    loaders = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html") if "axe" in p.read_text()]
    assert loaders == []


def test_axe_core_is_vendored_with_its_licence():
    folder = ROOT / "static/vendor/axe-core"
    assert (folder / "LICENSE").read_text().startswith("Mozilla Public License")
    version = (folder / "VERSION").read_text().strip()
    assert (folder / "axe.min.js").read_text(encoding="utf-8").startswith(f"/*! axe v{version}")
