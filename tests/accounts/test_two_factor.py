"""Second factor (TOTP): required for the admin site and for users who can change rules, risks or
users; after the password they verify (or enrol first) before any page. Clinical roles are not asked."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import ROLES, TWO_FACTOR_PERMISSIONS
from tests.accounts.helpers import login_verified
from tests.conftest import ROLES as ROLE_NAMES
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ENROL = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def grant(user, *dotted: str):
    for permission in dotted:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def sign_in(client, user, next_url: str = "/"):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": next_url})


@pytest.fixture
def rules_editor(manager):
    """A manager who was also given the rules table (a persona, never a superuser)."""
    return grant(manager, "pathway.change_rule")


def test_no_clinical_role_holds_a_two_factor_permission():
    for role in ROLES:
        assert set(role.permissions).isdisjoint(TWO_FACTOR_PERMISSIONS), role.name


@pytest.mark.parametrize("persona", ROLE_NAMES, indirect=True)
def test_clinical_roles_are_not_asked(client, persona):
    response = sign_in(client, persona)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_nurse_signs_in_with_the_password_alone(client, nurse):
    assert sign_in(client, nurse)["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(reverse("pathway:patient_list")).status_code == 200


@pytest.mark.parametrize("permission", ["pathway.change_rule", "consent.change_risk", "accounts.change_user"])
def test_who_can_change_rules_risks_or_users_is_sent_to_enrol_before_any_page(client, manager, permission):
    grant(manager, permission)
    assert sign_in(client, manager)["Location"] == "/"
    for url in ("/", reverse("pathway:list"), reverse("dashboard:dashboard")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL + "?next=")


def test_enrol_then_get_in(client, rules_editor, caplog):
    caplog.set_level(logging.INFO)
    sign_in(client, rules_editor)
    page = client.get(f"{ENROL}?next=/pathways/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=rules_editor)
    assert not device.confirmed
    html = page.content.decode()
    assert f"otpauth://totp/IR%20Vertebroplasty%3A{rules_editor.username}" in html
    assert "Setup key" in html
    # Reloading keeps the same secret.
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=rules_editor).key == device.key

    wrong = client.post(ENROL, {"otp_token": "000000", "next": "/pathways/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the throttle would make the next code wait a second
    device.save()
    response = client.post(ENROL, {"otp_token": code_for(device), "next": "/pathways/"})
    assert response.status_code == 302 and response["Location"] == "/pathways/"
    assert TOTPDevice.objects.get(user=rules_editor).confirmed
    assert client.get("/").status_code == 200
    assert client.get(reverse("pathway:list")).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    assert f"two_factor.enrolled user_id={rules_editor.pk}" in lines


def test_an_enrolled_user_verifies_after_the_password_every_sign_in(client, rules_editor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=rules_editor, name="phone", confirmed=True)
    assert sign_in(client, rules_editor, "/pathways/")["Location"] == "/pathways/"
    response = client.get("/pathways/")
    assert response["Location"] == f"{VERIFY}?next=%2Fpathways%2F"
    assert client.get(ENROL)["Location"].startswith(VERIFY)  # no new device without the current one
    assert client.get(response["Location"]).status_code == 200
    wrong = client.post(VERIFY, {"otp_token": "12345", "next": "/pathways/"})
    assert "Enter the 6 digits" in wrong.content.decode()
    ok = client.post(VERIFY, {"otp_token": code_for(device), "next": "/pathways/"})
    assert ok.status_code == 302 and ok["Location"] == "/pathways/"
    assert client.get("/pathways/").status_code == 200
    # Signing out and in again asks again.
    client.post(reverse("logout"))
    sign_in(client, rules_editor)
    assert client.get("/")["Location"].startswith(VERIFY)


def test_a_code_is_accepted_once(client, rules_editor):
    device = TOTPDevice.objects.create(user=rules_editor, name="phone", confirmed=True)
    code = code_for(device)
    sign_in(client, rules_editor)
    assert client.post(VERIFY, {"otp_token": code})["Location"] == "/"
    client.post(reverse("logout"))
    sign_in(client, rules_editor)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 200  # replayed: refused


def test_the_verify_page_does_not_redirect_off_site(client, rules_editor):
    device = TOTPDevice.objects.create(user=rules_editor, name="phone", confirmed=True)
    sign_in(client, rules_editor)
    response = client.post(VERIFY, {"otp_token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_admin_site_needs_the_second_factor_even_without_those_permissions(client):
    staff = UserFactory(username="records_officer", is_staff=True)
    staff.save()  # the factory saves the password only with a role
    grant(staff, "pathway.view_patient")
    client.force_login(staff)
    assert not client.get("/").get("Location", "").startswith(ENROL)  # not asked outside the admin
    response = client.get("/admin/")
    assert response["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    login_verified(client, staff)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_page_is_the_one_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/admin/"


def test_a_nurse_may_enrol_and_is_then_asked_at_sign_in(client, nurse):
    sign_in(client, nurse)
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=nurse)
    assert client.post(ENROL, {"otp_token": code_for(device)})["Location"] == "/"
    client.post(reverse("logout"))
    sign_in(client, nurse)
    assert client.get("/")["Location"].startswith(VERIFY)


def test_replacing_a_device_keeps_the_old_one_until_the_new_one_is_confirmed(client, rules_editor):
    old = TOTPDevice.objects.create(user=rules_editor, name="old phone", confirmed=True)
    login_verified(client, rules_editor)
    assert "Move it to a new phone" in client.get(ENROL).content.decode()
    client.post(ENROL, {"action": "replace"})
    new = TOTPDevice.objects.get(user=rules_editor, confirmed=False)
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    assert client.post(ENROL, {"otp_token": code_for(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=rules_editor).values_list("pk", "confirmed")) == [(new.pk, True)]


def test_sign_out_works_before_the_second_factor(client, rules_editor):
    sign_in(client, rules_editor)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_never_shows_a_device_secret(client, rules_editor):
    device = TOTPDevice.objects.create(user=rules_editor, name="phone", confirmed=True)
    staff = UserFactory(username="it_admin", is_staff=True)
    staff.save()
    grant(staff, "otp_totp.view_totpdevice", "otp_totp.change_totpdevice")
    login_verified(client, staff)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
