"""CSV export: who may download it, its columns, the filters it honours, and no free text."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from dashboard.export import COLUMNS
from pathway.models import ExitState, Stage
from tests.dashboard.helpers import local, make_pathway
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:export")


def _read(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("Manager", 200), ("Consultant", 200), ("Radiologist", 403), ("Nurse", 403)],
    indirect=["persona"],
)
def test_only_managers_and_consultants_may_export(client_for, persona, status, reference_data):
    assert client_for(persona).get(URL).status_code == status


def test_columns_stage_dates_and_waits(client_for, manager, consultant, reference_data):
    d = datetime.date
    patient = PatientFactory(
        nhs_number="9434765919", hospital_number="H777", family_name="Zebedee", phone="07700 900999"
    )
    pathway = make_pathway(
        patient=patient,
        stage=Stage.FOLLOW_UP,
        referral=d(2026, 1, 5),
        responsible_consultant=consultant,
        referrer_name="Dr Secret Referrer",
        actor=consultant,
        moves=[
            (Stage.SUITABILITY, local(d(2026, 1, 7))),
            (Stage.MRI, local(d(2026, 1, 12))),
            (Stage.PRE_ASSESSMENT, local(d(2026, 1, 20))),
            (Stage.CONSENT, local(d(2026, 1, 27))),
            (Stage.PROCEDURE, local(d(2026, 2, 2))),
            (Stage.RECOVERY, local(d(2026, 2, 10))),
            (
                Stage.FOLLOW_UP,
                local(
                    d(
                        2026,
                        2,
                        10,
                    ),
                    16,
                ),
            ),
        ],
        exit_state=ExitState.COMPLETED,
    )
    pathway.closed_at = local(d(2026, 3, 12))
    pathway.save()
    response = client_for(manager).get(URL)
    text = b"".join(response.streaming_content).decode()
    header = text.splitlines()[0].split(",")
    assert header == COLUMNS
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["pathway_id"] == str(pathway.pk)
    assert row["nhs_number"] == "9434765919"
    assert row["hospital_number"] == "H777"
    assert row["consultant"] == consultant.username
    assert row["referral_received_on"] == "2026-01-05"
    assert row["suitability_entered_on"] == "2026-01-07"
    assert row["procedure_entered_on"] == "2026-02-02"
    assert row["follow_up_entered_on"] == "2026-02-10"
    assert row["status"] == "closed"
    assert row["closed_on"] == "2026-03-12"
    assert row["days_waited"] == str((d(2026, 3, 12) - d(2026, 1, 5)).days)
    assert row["days_referral_to_treatment"] == str((d(2026, 2, 10) - d(2026, 1, 5)).days)
    # No free text and no names: not the exit reason, the referrer, the patient's name or phone.
    for secret in ("Free-text reason", "Secret Referrer", "Zebedee", "07700", "Riverside Surgery"):
        assert secret not in text


def test_open_pathway_waits_until_today_and_has_blank_dates_for_stages_not_reached(client_for, manager, reference_data):
    from django.utils import timezone

    make_pathway(stage=Stage.REFERRAL, referral=timezone.localdate() - datetime.timedelta(days=9))
    (row,) = _read(client_for(manager).get(URL))
    assert row["days_waited"] == "9"
    assert row["suitability_entered_on"] == ""
    assert row["days_referral_to_treatment"] == ""
    assert row["closed_on"] == ""


def test_export_honours_the_dashboard_filters(client_for, manager, consultant, make_user, reference_data):
    other = make_user("Consultant", username="c2")
    mine = make_pathway(responsible_consultant=consultant, aetiology="myeloma")
    make_pathway(responsible_consultant=other, aetiology="myeloma")
    make_pathway(responsible_consultant=consultant, aetiology="osteoporotic")
    rows = _read(client_for(manager).get(URL, {"consultant": consultant.pk, "aetiology": "myeloma"}))
    assert [r["pathway_id"] for r in rows] == [str(mine.pk)]


def test_bad_filter_is_refused_not_a_500(client_for, manager, reference_data):
    response = client_for(manager).get(URL, {"referred_from": "not-a-date"})
    assert response.status_code == 400
    assert "referred_from" in response.content.decode()


def test_formula_like_values_are_neutralised(client_for, manager, reference_data):
    patient = PatientFactory(hospital_number="=HYPERLINK(1)")
    make_pathway(patient=patient)
    (row,) = _read(client_for(manager).get(URL))
    assert row["hospital_number"] == "'=HYPERLINK(1)"
