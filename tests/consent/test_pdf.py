"""The consent PDF: text extracted with pypdf holds every explained risk with its frequency and the
patient's identifiers, for Form 1 and Form 4, and a withdrawal; the hash on the verification page is
the SHA-256 of the record's bytes; the file is served as stored."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from consent import services
from consent.models import ConsentWithdrawal, DocumentEvent
from tests.factories import (
    CapacityAssessmentFactory,
    ConsentConfirmationFactory,
    ConsentRecordFactory,
    ConsentWithdrawalFactory,
)

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> tuple[list[str], str]:
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() for page in reader.pages]
    return pages, re.sub(r"\s+", " ", " ".join(pages))


def _render(consent, consultant, event=DocumentEvent.SIGNED):
    document = services.render_document(consent=consent, event=event, event_at=timezone.now(), acting_user=consultant)
    with document.file.open("rb") as handle:
        return document, handle.read()


@pytest.mark.parametrize("form_type", ["form1", "form4"])
def test_pdf_holds_every_risk_with_frequency_and_the_identifiers(ready_pathway, consultant, form_type):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type=form_type, signed=True)
    if form_type == "form4":
        CapacityAssessmentFactory(consent=consent)
    document, content = _render(consent, consultant)
    pages, text = _text(content)
    patient = ready_pathway.patient
    risks = list(consent.explained_risks.all())
    assert len(risks) == 16
    for risk in risks:
        for fragment in (risk.name, risk.frequency_numbers, risk.frequency_words):
            assert re.sub(r"\s+", " ", fragment) in text, fragment
    # Identifiers on every page, and "Page N of M".
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", " ", page)
        assert patient.nhs_number_display in flat
        assert patient.hospital_number in flat
        assert patient.family_name.upper() in flat
        assert patient.date_of_birth.strftime("%-d %b %Y") in flat
        assert f"Page {number} of {total}" in flat
    assert "Percutaneous vertebroplasty T12" in text
    assert "No treatment" in text
    assert consent.leaflet.title in text
    if form_type == "form4":
        assert "Lacks capacity for this decision" in text
        assert "Best interests" in text
    else:
        assert "Consent form 1" in text


def test_hash_on_the_verification_page_is_the_sha256_of_the_record(ready_pathway, consultant):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    document, content = _render(consent, consultant)
    pages, _text_all = _text(content)
    last = re.sub(r"\s+", " ", pages[-1])
    assert "Verification" in last
    assert document.record_sha256 in last
    assert str(document.record_length) in last
    assert hashlib.sha256(content[: document.record_length]).hexdigest() == document.record_sha256
    assert hashlib.sha256(content).hexdigest() == document.file_sha256
    assert services.verify_document(document)


def test_pdf_shows_a_withdrawal_and_confirmation(ready_pathway, consultant):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    ConsentConfirmationFactory(consent=consent, changes_noted="Started a new painkiller.")
    ConsentWithdrawalFactory(consent=consent, reason="Decided against it after talking to family.")
    consent = type(consent).objects.get(pk=consent.pk)
    _document, content = _render(consent, consultant, DocumentEvent.WITHDRAWN)
    _pages, text = _text(content)
    assert "CONSENT WITHDRAWN" in text
    assert "Decided against it after talking to family." in text
    assert "Started a new painkiller." in text


def test_a_document_shows_the_record_as_it_stood_at_its_event(ready_pathway, consultant):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    signed_at = consent.signed_at
    ConsentWithdrawalFactory(consent=consent)
    consent = type(consent).objects.get(pk=consent.pk)
    document = services.render_document(
        consent=consent, event=DocumentEvent.SIGNED, event_at=signed_at, acting_user=consultant
    )
    with document.file.open("rb") as handle:
        _pages, text = _text(handle.read())
    assert "CONSENT WITHDRAWN" not in text
    assert "Not withdrawn at the time of this record." in text
    assert ConsentWithdrawal.objects.filter(consent=consent).exists()


def test_pdf_is_served_as_stored(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    # The document of the signing event itself (at the signing time), as sign_consent stores it.
    document = services.render_document(
        consent=consent, event=DocumentEvent.SIGNED, event_at=consent.signed_at, acting_user=consultant
    )
    with document.file.open("rb") as handle:
        content = handle.read()
    client.force_login(consultant)
    response = client.get(f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == content
    assert consent.documents.count() == 1  # served as stored, not rendered again
    assert response["X-Content-SHA256"] == document.file_sha256
    page = client.get(f"/pathways/{ready_pathway.pk}/consent/").content.decode()
    assert document.record_sha256 in page


def test_reading_a_consent_without_a_stored_pdf_writes_nothing(ready_pathway, consultant, client):
    """Reads never write (design.md 9): a consent made without its PDF (bulk demo data) is not
    rendered by whoever opens it first; the administrator's command makes it, once."""
    from django.core.management import call_command

    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True)
    client.force_login(consultant)
    url = f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/pdf/"
    assert client.get(url).status_code == 404
    assert not consent.documents.exists()
    call_command("render_consent_documents", stdout=io.StringIO())
    call_command("render_consent_documents", stdout=io.StringIO())
    assert consent.documents.count() == 1
    document = consent.documents.get()
    assert document.rendered_by == consent.clinician
    first = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    assert first == second
    assert consent.documents.count() == 1


def test_draft_has_no_pdf(ready_pathway, consultant, client):
    consent = ConsentRecordFactory(pathway=ready_pathway)
    client.force_login(consultant)
    assert client.get(f"/pathways/{ready_pathway.pk}/consent/{consent.pk}/pdf/").status_code == 404
