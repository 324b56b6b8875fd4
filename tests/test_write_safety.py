"""Every write is safe (design.md 9): a double click, a resubmit or two people at once have one effect,
a race on a unique fact is a form message (never a 500), and the admin cannot bypass the services.

The replay tests run on both databases. The concurrency tests run real threads against PostgreSQL
(row locks; marked `postgres`): SQLite's in-memory test database cannot be shared between threads.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from pathway.models import ObservationSet, Pathway, Patient, Stage, StageTransition
from tests.accounts.helpers import login_verified
from tests.factories import (
    ConsentRecordFactory,
    PathwayFactory,
    PatientFactory,
    PreAssessmentFactory,
    RecoveryFactory,
    UserFactory,
)
from tests.pathway.day_helpers import make_day_pathway, seed_library

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _advance_body(pathway: Pathway, **extra) -> dict:
    return {"expected_stage": pathway.current_stage, "expected_version": pathway.version, **extra}


def _patient_body(token, nhs="943 476 5919", hospital="h1234567") -> dict:
    return {
        "form_token": str(token),
        "nhs_number": nhs,
        "hospital_number": hospital,
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1944-02-01",
        "sex": "female",
        "phone": "",
        "gp_practice": "",
    }


def _observation_body(token) -> dict:
    return {
        "form_token": str(token),
        "taken_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "respiration_rate": 16,
        "spo2": 97,
        "spo2_scale": "1",
        "systolic_bp": 130,
        "diastolic_bp": 80,
        "pulse": 72,
        "consciousness": "A",
        "temperature_c": "36.8",
        "pain_nrs": 2,
        "left_leg_power": 5,
        "right_leg_power": 5,
        "left_leg_sensation": "normal",
        "right_leg_sensation": "normal",
        "puncture_site": "dry",
    }


# --- state changes carry the state the user saw ---------------------------------------------------


def test_a_replayed_advance_moves_the_pathway_once(client_for, consultant):
    pathway = PathwayFactory()
    body = _advance_body(pathway)
    client = client_for(consultant)
    client.post(reverse("pathway:advance", args=[pathway.pk]), body)
    second = client.post(reverse("pathway:advance", args=[pathway.pk]), body)
    pathway.refresh_from_db()
    assert pathway.stage == Stage.SUITABILITY
    moves = StageTransition.objects.filter(pathway=pathway, kind="advance")
    assert moves.count() == 1
    assert not moves.filter(overridden=True).exists()
    assert any(m.startswith("Nothing was changed: Colin Consultant moved it to suitability") for m in _messages(second))


def test_a_replayed_override_is_recorded_once_and_only_as_written(client_for, consultant):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)  # no assessment: the gate is closed
    body = _advance_body(pathway, override_reason="MDT agreed to image first.")
    client = client_for(consultant)
    client.post(reverse("pathway:advance", args=[pathway.pk]), body)
    client.post(reverse("pathway:advance", args=[pathway.pk]), body)
    pathway.refresh_from_db()
    assert pathway.stage == Stage.MRI
    move = StageTransition.objects.get(pathway=pathway, kind="advance")
    assert move.overridden is True
    assert move.reason == "MDT agreed to image first."
    assert move.overridden_reasons == ["Suitability assessment not yet recorded."]


def test_a_movement_from_a_stale_page_changes_nothing(client_for, consultant):
    pathway = PathwayFactory()
    stale = _advance_body(pathway)
    pathway.referrer_name = "Dr Edited"
    pathway.version += 1
    pathway.save()
    response = client_for(consultant).post(reverse("pathway:advance", args=[pathway.pk]), stale)
    pathway.refresh_from_db()
    assert pathway.stage == Stage.REFERRAL
    assert any(m.startswith("Nothing was changed") for m in _messages(response))


def test_a_movement_without_the_state_it_expects_is_refused(client_for, consultant):
    pathway = PathwayFactory()
    response = client_for(consultant).post(reverse("pathway:advance", args=[pathway.pk]), {})
    pathway.refresh_from_db()
    assert pathway.stage == Stage.REFERRAL
    assert response.status_code == 302
    assert any("out of date or incomplete" in m for m in _messages(response))


@pytest.mark.parametrize("action", ["close", "reopen", "return"])
def test_replayed_close_reopen_and_return_act_once(client_for, consultant, action):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    if action == "reopen":
        pathway.status, pathway.exit_state, pathway.closed_at = "closed", "patient_declined", timezone.now()
        pathway.save()
    body = _advance_body(pathway, reason="Patient's wish.", exit_state="patient_declined", to_stage="suitability")
    client = client_for(consultant)
    for _ in range(3):
        client.post(reverse(f"pathway:{action}", args=[pathway.pk]), body)
    kind = {"close": "close", "reopen": "reopen", "return": "advance"}[action]
    assert StageTransition.objects.filter(pathway=pathway, kind=kind).count() == 1


# --- create forms have one effect per rendering -----------------------------------------------------


def test_a_resubmitted_patient_form_registers_one_patient(client_for, radiologist):
    token = uuid.uuid4()
    client = client_for(radiologist)
    first = client.post(reverse("pathway:patient_create"), _patient_body(token))
    second = client.post(reverse("pathway:patient_create"), _patient_body(token))
    assert Patient.objects.filter(nhs_number="9434765919").count() == 1
    assert first["Location"] == second["Location"]
    assert any("already saved" in m for m in _messages(second))


def test_a_new_rendering_is_a_new_entry(client_for, radiologist):
    client = client_for(radiologist)
    client.post(reverse("pathway:patient_create"), _patient_body(uuid.uuid4()))
    client.post(reverse("pathway:patient_create"), _patient_body(uuid.uuid4(), nhs="401 023 2137", hospital="h2"))
    assert Patient.objects.count() == 2


def test_the_same_nhs_number_twice_is_a_form_error(client_for, radiologist):
    client = client_for(radiologist)
    client.post(reverse("pathway:patient_create"), _patient_body(uuid.uuid4()))
    response = client.post(reverse("pathway:patient_create"), _patient_body(uuid.uuid4(), hospital="h2"))
    assert response.status_code == 200
    assert Patient.objects.count() == 1
    assert response.context["form"].errors["nhs_number"]


def test_a_resubmitted_referral_opens_one_pathway(client_for, radiologist):
    patient = PatientFactory()
    body = {
        "form_token": str(uuid.uuid4()),
        "referral_received_on": timezone.localdate().isoformat(),
        "referrer_type": "gp",
        "referrer_name": "Dr Who",
        "referrer_organisation": "Riverside Surgery",
        "aetiology": "osteoporotic",
        "priority": "routine",
    }
    client = client_for(radiologist)
    for _ in range(3):
        client.post(reverse("pathway:create", args=[patient.pk]), body)
    assert Pathway.objects.filter(patient=patient).count() == 1


def test_a_resubmitted_observation_set_is_one_row(client_for, nurse):
    recovery = RecoveryFactory()
    url = reverse("pathway:observation_set_add", args=[recovery.pathway.pk])
    client = client_for(nurse)
    token = uuid.uuid4()
    for _ in range(5):
        client.post(url, _observation_body(token))
    assert ObservationSet.objects.filter(recovery=recovery).count() == 1
    client.post(url, _observation_body(uuid.uuid4()))  # the next observation: a new form
    assert ObservationSet.objects.filter(recovery=recovery).count() == 2


def test_a_resubmitted_consent_start_makes_one_draft(client_for, consultant):
    seed_library()
    pathway = PathwayFactory(current_stage=Stage.CONSENT)
    PreAssessmentFactory(pathway=pathway)
    body = {"form_token": str(uuid.uuid4()), "form_type": "form1"}
    client = client_for(consultant)
    for _ in range(3):
        client.post(reverse("consent:start", args=[pathway.pk]), body)
    assert ConsentRecord.objects.filter(pathway=pathway).count() == 1


def test_a_second_consent_start_from_another_form_is_refused_with_a_message(client_for, consultant):
    seed_library()
    pathway = PathwayFactory(current_stage=Stage.CONSENT)
    client = client_for(consultant)
    client.post(reverse("consent:start", args=[pathway.pk]), {"form_token": str(uuid.uuid4()), "form_type": "form1"})
    response = client.post(
        reverse("consent:start", args=[pathway.pk]), {"form_token": str(uuid.uuid4()), "form_type": "form1"}
    )
    assert ConsentRecord.objects.filter(pathway=pathway).count() == 1
    assert any("draft consent is already open" in m for m in _messages(response))


def test_the_database_allows_one_draft_and_one_standing_consent_per_pathway():
    seed_library()
    draft = ConsentRecordFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecordFactory(pathway=draft.pathway)
    signed = ConsentRecordFactory(signed=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecordFactory(pathway=signed.pathway, signed=True)


# --- the admin cannot bypass the services ------------------------------------------------------------


def test_clinical_rows_are_read_only_in_the_admin(client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="records_officer", is_staff=True)
    staff.save()  # the factory saves the password only with a role
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_patient", "change_patient", "view_pathway", "change_pathway"])
    )
    patient = PatientFactory(family_name="Before")
    pathway = PathwayFactory(patient=patient)
    login_verified(client, staff)  # the admin site asks for the second factor
    url = reverse("admin:pathway_patient_change", args=[patient.pk])
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"family_name": "After"})
    patient.refresh_from_db()
    assert response.status_code == 403
    assert patient.family_name == "Before"
    assert client.post(reverse("admin:pathway_pathway_change", args=[pathway.pk]), {}).status_code == 403


def test_sqlite_is_set_up_for_concurrent_use(settings):
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only")
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5


# --- real concurrency, PostgreSQL --------------------------------------------------------------------


def _at_once(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_advances_move_once_with_no_override():
    seed_library()
    consultant = UserFactory(role="Consultant", username="c_threads")
    pathway = PathwayFactory()
    body = _advance_body(pathway)
    clients = [_client(consultant) for _ in range(10)]
    results = _at_once(10, lambda i: clients[i].post(reverse("pathway:advance", args=[pathway.pk]), body).status_code)
    assert results == [302] * 10
    assert StageTransition.objects.filter(pathway=pathway, kind="advance").count() == 1
    assert not StageTransition.objects.filter(pathway=pathway, overridden=True).exists()
    assert Pathway.objects.get(pk=pathway.pk).stage == Stage.SUITABILITY


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_consent_starts_make_one_draft():
    seed_library()
    consultant = UserFactory(role="Consultant", username="c_consent_threads")
    pathway = PathwayFactory(current_stage=Stage.CONSENT)
    clients = [_client(consultant) for _ in range(10)]
    url = reverse("consent:start", args=[pathway.pk])
    results = _at_once(
        10, lambda i: clients[i].post(url, {"form_token": str(uuid.uuid4()), "form_type": "form1"}).status_code
    )
    assert results == [302] * 10
    assert ConsentRecord.objects.filter(pathway=pathway).count() == 1


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_nhs_number_race_registers_one_patient_and_answers_no_500():
    radiologist = UserFactory(role="Radiologist", username="r_threads")
    clients = [_client(radiologist) for _ in range(10)]
    url = reverse("pathway:patient_create")
    results = _at_once(
        10,
        lambda i: clients[i].post(url, _patient_body(uuid.uuid4(), hospital=f"race{i}")).status_code,
    )
    assert sorted(results) == [200] * 9 + [302]  # one registered; nine see the form with the error
    assert Patient.objects.filter(nhs_number="9434765919").count() == 1


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_observation_form_posted_ten_times_at_once_is_one_row():
    nurse = UserFactory(role="Nurse", username="n_threads")
    recovery = RecoveryFactory()
    clients = [_client(nurse) for _ in range(10)]
    url = reverse("pathway:observation_set_add", args=[recovery.pathway.pk])
    body = _observation_body(uuid.uuid4())
    results = _at_once(10, lambda i: clients[i].post(url, body).status_code)
    assert all(status == 302 for status in results), results
    assert ObservationSet.objects.filter(recovery=recovery).count() == 1


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_treated_level_posts_record_the_level_once():
    from pathway.models import TreatedLevel
    from tests.pathway.day_helpers import answer

    radiologist = UserFactory(role="Radiologist", username="r_levels")
    pathway = make_day_pathway()
    answer(pathway, "sign_in", radiologist)
    answer(pathway, "time_out", radiologist)
    clients = [_client(radiologist) for _ in range(6)]
    url = reverse("pathway:treated_level_add", args=[pathway.pk])
    body = {
        "level": "T12",
        "laterality": "bipedicular",
        "approach": "transpedicular",
        "needle_gauge": 11,
        "cement_volume_ml": "3.5",
        "cement_product": "Vertecem",
        "cement_lot": "L1",
        "cement_expiry": "2030-01-01",
    }
    results = _at_once(6, lambda i: clients[i].post(url, {**body, "form_token": str(uuid.uuid4())}).status_code)
    assert sorted(results) == [200] * 5 + [302], results  # five see "T12 is already recorded"
    assert TreatedLevel.objects.filter(procedure__pathway=pathway, level="T12").count() == 1
