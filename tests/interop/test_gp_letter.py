"""The letter to the GP: made and stored at the discharge (never on reading), with the levels, the
date and operator, the complications, the medicines to restart with their dates and the follow-up
date, under the PRSB eDischarge summary headings."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from interop.models import GpLetter
from pathway.models import PatientAccess, ServiceSettings
from pathway.recovery.discharge_sheet import restart_plan
from tests.interop.helpers import build

pytestmark = pytest.mark.django_db

PRSB_HEADINGS = [
    "Patient details",
    "GP practice",
    "Admission details",
    "Discharge details",
    "Procedures",
    "Clinical summary",
    "Allergies and adverse reactions",
    "Medications and medical devices",
    "Information and advice given",
    "Plan and requested actions",
    "Person completing record",
]


def _text(letter: GpLetter) -> str:
    with letter.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == letter.sha256 and len(content) == letter.size
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_the_discharge_stores_the_letter_with_levels_restart_dates_and_the_follow_up_date(
    reference_data, nurse, consultant
):
    pathway = build("follow_up", nurse=nurse, consultant=consultant)
    letter = GpLetter.objects.get(pathway=pathway)
    assert letter.rendered_by == nurse
    text = _text(letter)
    assert "Levels treated T12, L1" in text
    procedure = pathway.procedure
    assert f"Date {procedure.started_at:%-d %B %Y}" in text or procedure.started_at.strftime("%-d %B %Y") in text
    assert "Operator Colin Consultant" in text
    restarts = restart_plan(pathway)
    assert [r.medicine for r in restarts] and all(r.restart_on for r in restarts)
    for restart in restarts:
        assert f"{restart.medicine} {restart.restart_on:%-d %B %Y}" in text
    assert f"due on or around {pathway.follow_up.due_on:%-d %B %Y}" in text
    assert "review bone health" in text
    assert "Vasovagal episode CIRSE 2017 3" in text  # the complication, with its grade
    positions = [text.find(heading) for heading in PRSB_HEADINGS]
    assert -1 not in positions and positions == sorted(positions)


def test_the_letter_is_served_as_stored_and_reading_writes_nothing(
    reference_data, nurse, consultant, manager, client_for
):
    pathway = build("follow_up", nurse=nurse, consultant=consultant)
    letter = GpLetter.objects.get(pathway=pathway)
    url = reverse("interop:gp_letter", args=[pathway.pk])
    for user in (manager, nurse):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == letter.sha256
    assert GpLetter.objects.count() == 1
    assert PatientAccess.objects.filter(what="GP letter", pathway=pathway).count() == 2


def test_before_the_discharge_there_is_no_letter(reference_data, nurse, consultant, client_for):
    pathway = build("recovery", nurse=nurse, consultant=consultant)
    response = client_for(nurse).get(reverse("interop:gp_letter", args=[pathway.pk]))
    assert response.status_code == 404
    assert not GpLetter.objects.exists()


def test_the_letter_carries_the_trusts_details_as_they_stood_at_the_discharge(reference_data, nurse, consultant):
    """Issue 16: the service settings (trust, unit, address, day and night numbers) on the letter
    too; without them the letter still says which service wrote it."""
    ServiceSettings.objects.create(
        trust_name="Northtown Hospitals NHS Trust",
        unit_name="Interventional Radiology Day Unit",
        address="Level 2, Northtown General Hospital\nHospital Road\nNorthtown NT1 2AB",
        day_phone="01632 960 111",
        night_phone="01632 960 999",
    )
    text = _text(GpLetter.objects.get(pathway=build("follow_up", nurse=nurse, consultant=consultant)))
    assert text.startswith("Northtown Hospitals NHS Trust Interventional Radiology Day Unit")
    assert "Hospital Road" in text
    assert "Interventional Radiology Day Unit, Northtown Hospitals NHS Trust. Pathway" in text
    assert "01632 960 111 (working hours); 01632 960 999 (out of hours)" in text
    ServiceSettings.objects.all().delete()
    plain = _text(GpLetter.objects.get(pathway=build("follow_up", nurse=nurse, consultant=consultant)))
    assert "Interventional radiology vertebroplasty service. Pathway" in plain and "01632" not in plain
