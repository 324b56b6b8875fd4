"""Headers on every patient page and document, and the upload cap (ASVS 5.0 V3, V12)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentDocument, ConsentRecord
from pathway.models import Stage
from tests.factories import PathwayFactory

pytestmark = pytest.mark.django_db


def _assert_headers(response):
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["pathway:detail", "pathway:suitability", "consent:consent"])
def test_patient_pages_carry_the_four_headers(client_for, consultant, name):
    pathway = PathwayFactory(current_stage=Stage.CONSENT)
    response = client_for(consultant).get(reverse(name, args=[pathway.pk]))
    assert response.status_code == 200
    _assert_headers(response)


def test_the_patient_list_and_the_discharge_sheet_carry_them(client_for, nurse):
    from tests.factories import ProcedureFactory, RecoveryFactory

    recovery = RecoveryFactory()
    ProcedureFactory(pathway=recovery.pathway)
    client = client_for(nurse)
    _assert_headers(client.get(reverse("pathway:patient_list")))
    sheet = client.get(reverse("pathway:discharge_sheet", args=[recovery.pathway.pk]))
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"
    _assert_headers(sheet)


def test_the_login_page_has_csp_but_is_cacheable_only_privately(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_a_30_mb_upload_is_refused_with_413_and_nothing_is_stored(client_for, consultant):
    from tests.factories import ConsentRecordFactory
    from tests.pathway.day_helpers import seed_library

    seed_library()
    ready_pathway = PathwayFactory(current_stage=Stage.CONSENT)
    consent = ConsentRecordFactory(pathway=ready_pathway)
    documents = ConsentDocument.objects.count()
    client = client_for(consultant)
    body = b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("consent:sign", args=[ready_pathway.pk, consent.pk]),
        {"expected_version": consent.version, "method": "paper", "scan": SimpleUploadedFile("scan.pdf", body)},
    )
    assert response.status_code == 413
    assert b"too large" in response.content
    consent.refresh_from_db()
    assert not consent.is_signed
    assert ConsentDocument.objects.count() == documents
    assert ConsentRecord.objects.filter(pathway=ready_pathway).count() == 1
