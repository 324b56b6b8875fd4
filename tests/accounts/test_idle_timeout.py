"""Idle timeout: a session ends SESSION_IDLE_TIMEOUT_S seconds after its last request and 12 hours
after sign-in; a form posted after the end is not saved but shown again, filled in, after sign-in.

The middleware's clock (accounts.middleware.now) is replaced by a clock the test moves."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts import kept_entries
from accounts import middleware as idle
from pathway.models import MriScan, Patient, Stage
from tests.factories import PASSWORD, PathwayFactory, PatientFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


class Clock:
    def __init__(self):
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch, settings):
    settings.SESSION_IDLE_TIMEOUT_S = 3
    fake = Clock()
    monkeypatch.setattr(idle, "now", fake)
    return fake


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in(client, user, next_url: str = ""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


# --- the timeout ----------------------------------------------------------------------------------


def test_a_request_after_5_idle_seconds_goes_to_the_login_page(client, nurse, clock):
    client.force_login(nurse)
    assert client.get("/").status_code == 200
    clock.advance(5)
    response = client.get("/patients/?q=smith")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fpatients%2F%3Fq%3Dsmith"
    assert not signed_in(client)
    page = client.get(response["Location"])
    assert "You were signed out after 3 seconds without activity." in page.content.decode()


def test_the_message_counts_minutes(client, nurse, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_S = 900
    client.force_login(nurse)
    clock.advance(901)
    response = client.get("/", follow=True)
    assert "You were signed out after 15 minutes without activity." in response.content.decode()


def test_an_active_user_stays_signed_in(client, nurse, clock):
    client.force_login(nurse)
    for _ in range(10):  # 20 seconds, a request every 2
        clock.advance(2)
        assert client.get("/").status_code == 200
    assert signed_in(client)


def test_the_session_ends_12_hours_after_sign_in_however_active(client, nurse, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_S = 900
    assert settings.SESSION_ABSOLUTE_TIMEOUT_S == 12 * 60 * 60
    client.force_login(nurse)
    for _ in range(12 * 6 - 1):  # a request every 10 minutes for 11 h 50
        clock.advance(600)
        assert client.get("/").status_code == 200
    clock.advance(11 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "a session lasts at most 12 hours" in response.content.decode()


def test_the_page_tells_the_script_how_long_is_left(client, nurse, clock, settings):
    settings.SESSION_IDLE_TIMEOUT_S = 900
    client.force_login(nurse)
    clock.advance(100)
    page = client.get("/").content.decode()
    assert 'data-idle-seconds-left="900"' in page
    assert f'data-keep-alive-url="{reverse("keep_alive")}"' in page
    assert re.search(r'<script src="[^"]*js/idle-timeout\.js"></script>', page)
    assert "data-idle-seconds-left" not in Client().get(LOGIN).content.decode()


def test_keep_alive_counts_as_activity_and_the_status_question_does_not(client, nurse, clock):
    client.force_login(nurse)
    clock.advance(2)
    assert client.get(reverse("keep_alive")).status_code == 204
    clock.advance(2)
    status = client.get(reverse("session_status"))
    assert status.json() == {"seconds_left": 1, "renewable": True}
    clock.advance(2)  # 4 s after the keep-alive: asking did not count
    ended = client.get(reverse("session_status"))
    assert ended.status_code == 401 and ended.json() == {"signed_out": True}
    assert not signed_in(client)
    # The message waits for the sign-in page the script reloads to.
    assert "without activity" in client.get(LOGIN).content.decode()


def test_nothing_is_asked_of_anonymous_pages(client, clock):
    clock.advance(100)
    assert client.get(LOGIN).status_code == 200


# --- nothing typed is lost ------------------------------------------------------------------------


def patient_payload(patient, **changes) -> dict:
    data = {
        "nhs_number": patient.nhs_number,
        "hospital_number": patient.hospital_number,
        "family_name": patient.family_name,
        "given_name": patient.given_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": patient.phone,
        "gp_practice": patient.gp_practice,
        "expected_version": patient.version,
    }
    data.update(changes)
    return data


def test_a_form_posted_after_the_timeout_is_shown_again_filled_in_after_sign_in(nurse, clock):
    client = Client(enforce_csrf_checks=True)
    patient = PatientFactory(family_name="Smith")
    url = reverse("pathway:patient_edit", kwargs={"pk": patient.pk})
    client.force_login(nurse)
    form_page = client.get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode()).group(1)
    clock.advance(5)  # the nurse answered the phone
    response = client.post(url, patient_payload(patient, family_name="Smith-Jones", csrfmiddlewaretoken=csrf))
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=%2Fpatients%2F{patient.pk}%2Fedit%2F"
    patient.refresh_from_db()
    assert patient.family_name == "Smith"  # not saved

    login_page = client.get(response["Location"])
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.content.decode()).group(1)
    back = client.post(
        LOGIN, {"username": nurse.username, "password": PASSWORD, "next": url, "csrfmiddlewaretoken": csrf}
    )
    assert back.status_code == 302 and back["Location"] == url
    page = client.get(url)
    html = page.content.decode()
    assert 'value="Smith-Jones"' in html
    assert kept_entries.MESSAGE in html
    patient.refresh_from_db()
    assert patient.family_name == "Smith"  # still not saved: only a new submit saves
    # Shown once: the next visit shows the record as saved.
    assert 'value="Smith-Jones"' not in client.get(url).content.decode()


def test_a_stage_form_with_rows_is_shown_again_filled_in(client, radiologist, clock, reference_data):
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)
    url = reverse("pathway:mri", kwargs={"pk": pathway.pk})
    payload = {
        "modality": "mri",
        "safety_screen_done": "on",
        "accession_number": "RAD-KEPT-42",
        "reported_by": "other",
        "reported_by_other": "Dr Menon",
        "report": "Acute T12 fracture with STIR oedema.",
        "levels-TOTAL_FORMS": "1",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
        "levels-0-level": "L1",
        "levels-0-height_loss_pct": "37",
    }
    client.force_login(radiologist)
    clock.advance(5)
    response = client.post(url, payload)
    assert response["Location"].startswith(LOGIN)
    assert not MriScan.objects.filter(pathway=pathway).exists()
    assert sign_in(client, radiologist, url)["Location"] == url
    html = client.get(url).content.decode()
    assert 'value="RAD-KEPT-42"' in html
    assert 'value="37"' in html  # the row, from the formset
    assert kept_entries.MESSAGE in html
    assert not MriScan.objects.filter(pathway=pathway).exists()


def test_kept_entries_are_never_shown_to_someone_else(client, nurse, radiologist, clock):
    patient = PatientFactory(family_name="Smith")
    url = reverse("pathway:patient_edit", kwargs={"pk": patient.pk})
    client.force_login(nurse)
    clock.advance(5)
    client.post(url, patient_payload(patient, family_name="Typed-by-nurse"))
    sign_in(client, radiologist, url)
    html = client.get(url).content.decode()
    assert "Typed-by-nurse" not in html and kept_entries.MESSAGE not in html
    assert kept_entries.SESSION_KEY not in client.session


def test_passwords_tokens_and_the_csrf_token_are_not_kept(client, nurse, clock):
    patient = PatientFactory()
    url = reverse("pathway:patient_edit", kwargs={"pk": patient.pk})
    client.force_login(nurse)
    clock.advance(5)
    client.post(
        url,
        patient_payload(
            patient, password="secret-pass", new_password1="x", otp_token="123456", csrfmiddlewaretoken="t"
        ),
    )
    kept = dict(client.session[kept_entries.SESSION_KEY]["items"])
    assert {"password", "new_password1", "otp_token", "csrfmiddlewaretoken"}.isdisjoint(kept)
    assert kept["family_name"] == patient.family_name


def test_a_forged_post_keeps_nothing(nurse, clock):
    client = Client(enforce_csrf_checks=True)
    patient = PatientFactory()
    client.force_login(nurse)
    clock.advance(5)
    url = reverse("pathway:patient_edit", kwargs={"pk": patient.pk})
    response = client.post(url, patient_payload(patient, family_name="Forged"))
    assert response["Location"].startswith(LOGIN)
    assert kept_entries.SESSION_KEY not in client.session


def test_a_post_to_an_action_goes_back_to_the_page_it_came_from(client, nurse, clock, reference_data):
    pathway = PathwayFactory()
    detail = reverse("pathway:detail", kwargs={"pk": pathway.pk})
    client.force_login(nurse)
    clock.advance(5)
    response = client.post(
        reverse("pathway:close", kwargs={"pk": pathway.pk}), {"reason": "x"}, HTTP_REFERER=f"http://testserver{detail}"
    )
    assert response["Location"] == f"{LOGIN}?next=%2Fpathways%2F{pathway.pk}%2F"
    assert kept_entries.SESSION_KEY not in client.session


def test_a_patient_registered_after_the_timeout_is_not_registered(client, radiologist, clock):
    client.force_login(radiologist)
    clock.advance(5)
    url = reverse("pathway:patient_create")
    before = Patient.objects.count()
    client.post(url, {"family_name": "New", "given_name": "Patient", "nhs_number": "943 476 5919"})
    assert Patient.objects.count() == before
    sign_in(client, radiologist, url)
    html = client.get(url).content.decode()
    assert 'value="943 476 5919"' in html and kept_entries.MESSAGE in html


def test_entries_wait_through_the_second_factor(client, consultant, clock, settings):
    """A user asked for the second factor after signing in still gets the form back, filled in."""
    from django.contrib.auth.models import Permission
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    consultant.user_permissions.add(Permission.objects.get(codename="change_rule"))
    device = TOTPDevice.objects.create(user=consultant, name="phone", confirmed=True)
    patient = PatientFactory(family_name="Smith")
    url = reverse("pathway:patient_edit", kwargs={"pk": patient.pk})
    client.force_login(consultant)
    clock.advance(5)
    client.post(url, patient_payload(patient, family_name="Smith-Verified"))
    assert sign_in(client, consultant, url)["Location"] == url
    to_verify = client.get(url)
    assert to_verify["Location"].startswith("/accounts/two-factor/verify/")
    code = f"{totp(device.bin_key, drift=device.drift):06d}"
    assert client.post(to_verify["Location"], {"otp_token": code, "next": url})["Location"] == url
    html = client.get(url).content.decode()
    assert 'value="Smith-Verified"' in html and kept_entries.MESSAGE in html


# --- the warning, in a browser --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_warning_shows_a_minute_before_and_a_click_keeps_the_session(reference_data, login_page, nurse, settings):
    from playwright.sync_api import expect

    settings.SESSION_IDLE_TIMEOUT_S = 66  # the warning is due 6 seconds after the page loads
    page = login_page(nurse)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.reload()
    warning = page.get_by_role("alert").filter(has_text="You will be signed out in 1 minute for safety")
    expect(warning).to_be_visible(timeout=15_000)
    with page.expect_response(lambda response: response.url.endswith("/accounts/keep-alive/")) as keep_alive:
        warning.get_by_role("button", name="Stay signed in").click()
    assert keep_alive.value.status == 204
    expect(warning).to_have_count(0)
    assert errors == []  # no CSP violation, no script error
