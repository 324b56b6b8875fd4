"""The discharge sheet is made when the discharge happens and served as stored; reading it writes
nothing (design.md 9)."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pathway.models import DischargeSheet, ServiceSettings, Stage
from pathway.recovery import services as recovery_services
from tests.factories import ObservationSetFactory, ProcedureFactory, RecoveryFactory

pytestmark = pytest.mark.django_db


def _discharged(nurse, consultant):
    procedure = ProcedureFactory(pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant)
    recovery = RecoveryFactory(pathway=procedure.pathway)
    ObservationSetFactory(recovery=recovery)
    recovery_services.discharge(acting_user=nurse, pathway=procedure.pathway)
    return procedure.pathway


def test_the_discharge_stores_the_sheet_with_its_hash(reference_data, nurse, consultant):
    pathway = _discharged(nurse, consultant)
    sheet = DischargeSheet.objects.get(recovery__pathway=pathway)
    assert sheet.rendered_by == nurse
    with sheet.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == sheet.sha256


def test_after_the_discharge_the_sheet_is_served_as_stored_and_reading_writes_nothing(
    reference_data, nurse, consultant, manager, client_for
):
    pathway = _discharged(nurse, consultant)
    sheet = DischargeSheet.objects.get(recovery__pathway=pathway)
    url = reverse("pathway:discharge_sheet", args=[pathway.pk])
    for user in (manager, nurse, manager):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == sheet.sha256
    assert DischargeSheet.objects.count() == 1


def test_before_the_discharge_the_sheet_is_printed_but_not_stored(reference_data, nurse, consultant, client_for):
    procedure = ProcedureFactory(pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant)
    RecoveryFactory(pathway=procedure.pathway)
    response = client_for(nurse).get(reverse("pathway:discharge_sheet", args=[procedure.pathway.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert not DischargeSheet.objects.exists()


def test_the_sheet_names_the_trust_and_the_unit_phone_numbers_on_one_page(reference_data, nurse, consultant):
    ServiceSettings.objects.create(
        trust_name="Northtown Hospitals NHS Trust",
        unit_name="Interventional Radiology Day Unit",
        address="Northtown General Hospital\nNorthtown NT1 2AB",
        day_phone="01632 960 111",
        night_phone="01632 960 999",
    )
    pathway = _discharged(nurse, consultant)
    with DischargeSheet.objects.get(recovery__pathway=pathway).file.open("rb") as handle:
        content = handle.read()
    reader = PdfReader(io.BytesIO(content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Northtown Hospitals NHS Trust" in text
    assert "01632 960 111" in text and "01632 960 999" in text
    assert "Interventional Radiology Day Unit, Monday to Friday, 8am to 6pm" in text
    # No near-empty second page: the sheet without medicines to restart fits one A4 page.
    assert len(reader.pages) == 1
