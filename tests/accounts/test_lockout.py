"""Sign-in lockout (django-axes): 5 failed sign-ins lock the username for 15 minutes, by username only,
with the same message whether or not the username exists, logged by user id, undone by an admin."""

from __future__ import annotations

import datetime
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import F
from django.http import HttpRequest

from accounts.lockout import lockout_message
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "not-the-password-2026"
ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_six_wrong_passwords_then_the_right_one_is_refused_and_another_account_still_signs_in(
    client, nurse, radiologist
):
    for _ in range(6):
        assert sign_in(client, nurse.username, WRONG).status_code in (200, 429)
    response = sign_in(client, nurse.username, PASSWORD)
    assert response.status_code == 429
    assert lockout_message() in response.content.decode()
    assert not signed_in(client)
    # The same PC (same IP address) signs another member of staff in.
    response = sign_in(client, radiologist.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)


def test_four_failures_do_not_lock_and_the_fifth_does(client, nurse):
    for _ in range(4):
        response = sign_in(client, nurse.username, WRONG)
        assert response.status_code == 200
        assert lockout_message() not in response.content.decode()
    response = sign_in(client, nurse.username, WRONG)
    assert response.status_code == 429
    assert lockout_message() in response.content.decode()


def test_success_before_the_limit_starts_the_count_again(client, nurse):
    for _ in range(4):
        sign_in(client, nurse.username, WRONG)
    assert sign_in(client, nurse.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, nurse.username, WRONG).status_code == 200
    assert sign_in(client, nurse.username, PASSWORD).status_code == 302


def test_the_message_does_not_say_whether_the_username_exists(client, nurse):
    pages = {}
    for username in (nurse.username, "no_such_user"):
        for _ in range(5):
            sign_in(client, username, WRONG)
        response = sign_in(client, username, WRONG)
        assert response.status_code == 429
        page = response.content.decode().replace(username, "USERNAME")
        pages[username] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    assert lockout_message() in pages["no_such_user"]
    assert pages[nurse.username] == pages["no_such_user"]
    assert "exist" not in lockout_message()


def test_the_lock_page_is_the_sign_in_form_keeping_a_safe_next(client, nurse):
    for _ in range(5):
        response = sign_in(client, nurse.username, WRONG, next="/patients/")
    page = response.content.decode()
    assert 'name="password"' in page and 'value="/patients/"' in page
    assert WRONG not in page
    response = sign_in(client, nurse.username, WRONG, next="https://evil.example/")
    assert "evil.example" not in response.content.decode()


def test_each_lockout_is_logged_by_user_id_never_the_password(client, nurse, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(5):
        sign_in(client, nurse.username, WRONG)
    for _ in range(5):
        sign_in(client, "wrong-box-secret", WRONG)
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    assert f"login.locked_out user_id={nurse.pk}" in lines
    assert "login.locked_out user_id=unknown" in lines
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert WRONG not in everything
    assert "wrong-box-secret" not in everything  # a password typed as the username is not logged either


def test_the_lock_ends_after_the_configured_minutes(client, nurse):
    for _ in range(5):
        sign_in(client, nurse.username, WRONG)
    assert sign_in(client, nurse.username, PASSWORD).status_code == 429
    minutes = django_settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - minutes)
    assert sign_in(client, nurse.username, PASSWORD).status_code == 302


def test_an_admin_unlocks_with_axes_reset_username(client, nurse):
    for _ in range(5):
        sign_in(client, nurse.username, WRONG)
    assert sign_in(client, nurse.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", nurse.username)
    assert sign_in(client, nurse.username, PASSWORD).status_code == 302


def test_client_login_with_a_request_still_works(client, nurse):
    """Django's test client signs in without a request unless given one: axes needs it."""
    assert client.login(request=HttpRequest(), username=nurse.username, password=PASSWORD)


def test_settings_lock_by_username_only_with_the_axes_backend_first():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_limits_come_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_LOCKOUT_FAILURES="3",
        DJANGO_LOCKOUT_MINUTES="30",
        DJANGO_SESSION_IDLE_TIMEOUT_S="600",
        DJANGO_SESSION_ABSOLUTE_TIMEOUT_S="3600",
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
        "s.SESSION_IDLE_TIMEOUT_S, s.SESSION_ABSOLUTE_TIMEOUT_S)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["3", "1800", "600", "3600"]
