"""The consultant fills the consent, the patient draws a signature with the mouse, the consultant
signs with their password, and the PDF downloads (and holds the risks and the NHS number)."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from consent.models import ConsentRecord
from pathway.models import Stage
from tests.factories import (
    PASSWORD,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pathway_at_consent(reference_data):
    from consent.library_seed import seed_library
    from consent.models import Leaflet, Risk, RiskVersion

    seed_library(Risk, RiskVersion, Leaflet)  # transactional tests start from an empty database
    pathway = PathwayFactory(current_stage=Stage.CONSENT, planned_procedure_on=timezone.localdate())
    SuitabilityAssessmentFactory(pathway=pathway)
    MriLevelFindingFactory(scan=MriScanFactory(pathway=pathway), level="T12")
    PreAssessmentFactory(pathway=pathway)
    return pathway


def test_consultant_takes_consent_patient_draws_signature_pdf_downloads(
    pathway_at_consent, login_page, consultant, live_server
):
    pathway = pathway_at_consent
    page = login_page(consultant)
    # Everything below runs under the Content-Security-Policy: a blocked script would be reported here.
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    # Page loads from the consent page to the signed consent (issue 16: consent in under 6).
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    response = page.goto(f"{live_server.url}/pathways/{pathway.pk}/consent/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#consent-checklist")).to_contain_text("No consent has been recorded.")
    page.get_by_role("button", name="Start consent").click()
    expect(page.locator("#risk-table tbody tr")).to_have_count(16)

    page.get_by_label("No treatment").check()
    page.get_by_label("Conservative care with optimal pain relief").check()
    page.get_by_label("Leaflet given (title and version)").select_option(index=1)
    page.get_by_label("Leaflet given on").fill(timezone.localdate().isoformat())
    page.get_by_label("Uncertain evidence of benefit discussed").check()
    for box in page.locator("#risk-table input[type=checkbox]").all():
        box.check()
    page.get_by_label("Note about cement reaching the lungs (seen on a scan) for this patient").fill(
        "Thoracic level: a little more likely."
    )
    page.get_by_label("The patient's questions and the answers given").fill("Asked about driving home.")
    # The operator is named before the day; they confirm on the day (domain.md 5.6).
    page.get_by_label("Operator (who will perform the procedure)").select_option(label="Colin Consultant")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Consent draft saved.")).to_be_visible()

    page.get_by_role("link", name="Go to signatures").click()
    # What the patient agrees to is on the screen where they sign: the statement, the levels and
    # the risks discussed (issue 16).
    agreed = page.locator("#what-is-agreed")
    expect(agreed).to_contain_text("no guarantee can be given that a particular person will perform the procedure")
    expect(agreed).to_contain_text("T12")
    expect(page.locator("#sign-risks tbody tr")).to_have_count(16)
    canvas = page.locator("#patient-signature-canvas")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for x, y in [(80, 40), (140, 130), (200, 50), (280, 110), (360, 60)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()
    expect(page.get_by_text("Signature captured.")).to_be_visible()
    # The clear button empties the pad; sign again.
    page.get_by_role("button", name="Clear signature").first.click()
    expect(page.get_by_text("Not signed yet.").first).to_be_visible()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for x, y in [(90, 30), (150, 140), (240, 40), (380, 100)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()
    # A mistyped clinician password refuses the signing but keeps the patient's drawn signature.
    page.get_by_label("Your password (to sign as the health professional)").fill("not the password")
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("Your password was not accepted; the consent has not been signed.")).to_be_visible()
    expect(page.get_by_text("Signature kept from the first attempt.")).to_be_visible()
    page.get_by_label("Your password (to sign as the health professional)").fill(PASSWORD)
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("Consent signed. The signed PDF has been stored.")).to_be_visible()
    expect(page.locator("#consent-state")).to_have_text("Signed")
    # One load of these was the deliberate detour of the refused password above.
    assert len(loads) - 1 < 6, loads

    consent = ConsentRecord.objects.get(pathway=pathway)
    assert consent.signature_method == "drawn" and bytes(consent.patient_signature).startswith(b"\x89PNG")
    document = consent.documents.get()
    expect(page.locator("#consent-documents")).to_contain_text(document.record_sha256)

    with page.expect_download() as download_info:
        page.evaluate(
            """url => { const a = document.createElement('a'); a.href = url; a.download = 'consent.pdf';
                        document.body.appendChild(a); a.click(); }""",
            f"/pathways/{pathway.pk}/consent/{consent.pk}/pdf/",
        )
    content = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    with document.file.open("rb") as handle:
        assert content == handle.read()
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    assert pathway.patient.nhs_number_display in text
    for risk in consent.explained_risks.all():
        assert re.sub(r"\s+", " ", risk.frequency_numbers) in text
    assert "Thoracic level: a little more likely." in text
    assert "Operator named before the day: Colin Consultant." in text
    assert violations == []
