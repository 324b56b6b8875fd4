import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import HttpRequest

from pathway.models import ExitState, Pathway, Patient, Stage
from pathway.validators import nhs_number_is_valid

pytestmark = pytest.mark.django_db

ANCHOR = "2026-11-02"


def _fingerprint():
    return [
        (p.patient.nhs_number, p.patient.family_name, p.referral_received_on, p.current_stage, p.status, p.exit_state)
        for p in Pathway.objects.select_related("patient").order_by("patient__nhs_number")
    ]


def _seed_and_rollback(seed):
    with transaction.atomic():
        call_command("seed_demo", pathways=120, seed=seed, today=datetime.date.fromisoformat(ANCHOR))
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_seed_is_deterministic(settings):
    settings.DEBUG = True
    first = _seed_and_rollback(7)
    assert not Pathway.objects.exists()
    assert _seed_and_rollback(7) == first
    assert _seed_and_rollback(8) != first


def test_seed_spreads_over_every_stage_and_exit(settings):
    settings.DEBUG = True
    call_command("seed_demo", pathways=400, seed=1, today=datetime.date.fromisoformat(ANCHOR))
    assert Pathway.objects.count() == 400
    assert set(Pathway.objects.open().values_list("current_stage", flat=True)) == set(Stage.values)
    assert set(Pathway.objects.closed().values_list("exit_state", flat=True)) == set(ExitState.values)
    numbers = list(Patient.objects.values_list("nhs_number", flat=True))
    assert all(n.startswith("999") and nhs_number_is_valid(n) for n in numbers)
    assert all(p.referral_received_on <= datetime.date.fromisoformat(ANCHOR) for p in Pathway.objects.all())


def test_seed_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo", pathways=1, seed=1)
    assert not Pathway.objects.exists()


def test_seed_if_empty_does_not_seed_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo", pathways=5, seed=1)
    call_command("seed_demo", pathways=5, seed=1, if_empty=True)
    assert Pathway.objects.count() == 5


def test_demo_users_can_log_in(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", pathways=5, seed=1)
    for username in ("radiologist", "trainee", "consultant", "nurse", "manager", "admin"):
        # django-axes needs the request that signs in.
        assert client.login(request=HttpRequest(), username=username, password="demo-pass-2026"), username
        response = client.get("/")
        if username == "admin":  # sets up the second factor (TOTP) at first sign-in
            assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
        else:
            assert response.status_code == 200
        client.logout()
