"""The consent PDF is a document a trust can file (issue 16, NHS consent form 1): the trust's name and
unit on it, the patient's printed name by their signature, the clinician's printed name, job title and
registration (GMC) number on every signed section, the statement that no particular person is
guaranteed to perform the procedure; and no text runs outside the page (checked on the positions of
the words, as pdftotext -bbox reads them, and on the pages rendered to images)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageChops
from pypdf import PdfReader

from consent import services
from consent.document import STATEMENT_NO_GUARANTEE
from consent.models import DocumentEvent
from pathway.models import ServiceSettings
from tests.factories import CapacityAssessmentFactory, ConsentConfirmationFactory, ConsentRecordFactory

pytestmark = pytest.mark.django_db

PDFTOTEXT, PDFTOPPM = shutil.which("pdftotext"), shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not (PDFTOTEXT and PDFTOPPM), reason="poppler-utils not installed (apt-get install poppler-utils)"
)

# A 1x1 PNG: enough for the logo path to be exercised.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def service(db):
    return ServiceSettings.objects.create(
        trust_name="Northtown Hospitals NHS Trust",
        unit_name="Interventional Radiology Day Unit",
        address="Level 2, Northtown General Hospital\nHospital Road\nNorthtown NT1 2AB",
        day_phone="01632 960 111",
        night_phone="01632 960 999",
        logo=SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
    )


def _signed_consent(pathway, consultant, **kwargs):
    consultant.job_title = "Consultant interventional radiologist"
    consultant.registration_number = "7654321"
    consultant.save()
    return ConsentRecordFactory(
        pathway=pathway,
        signed=True,
        clinician=consultant,
        clinician_name=consultant.display_name,
        clinician_job_title=consultant.job_title,
        clinician_registration=consultant.registration_number,
        **kwargs,
    )


def _pdf(consent, consultant) -> bytes:
    document = services.render_document(
        consent=consent, event=DocumentEvent.SIGNED, event_at=timezone.now(), acting_user=consultant
    )
    with document.file.open("rb") as handle:
        return handle.read()


def _flat(content: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def test_form1_holds_what_nhs_form_1_has(ready_pathway, consultant, service):
    consent = _signed_consent(ready_pathway, consultant, operator=consultant)
    ConsentConfirmationFactory(consent=consent, confirmed_by=consultant, confirmed_by_name=consultant.display_name)
    pages = _flat(_pdf(consent, consultant))
    text = " ".join(pages)
    patient = ready_pathway.patient
    for page in pages:  # the trust on every page, with the patient's identifiers
        assert "Northtown Hospitals NHS Trust" in page
    assert "Interventional Radiology Day Unit" in text
    assert "Hospital Road" in text and "01632 960 111" in text
    assert f"Patient's name (printed) {patient.given_name} {patient.family_name.upper()}" in text
    assert f"Name (printed) {consultant.display_name}" in text
    assert "Job title Consultant interventional radiologist" in text
    assert "Professional registration (GMC) number 7654321" in text
    # The confirmation on the day is a signed section too, with the operator named before the day.
    confirmation = text[text.index("Confirmation of consent on the day") : text.index("Withdrawal of consent")]
    assert f"Operator named before the day: {consultant.display_name}." in confirmation
    assert f"Name (printed) {consultant.display_name}" in confirmation
    assert "Job title Consultant interventional radiologist" in confirmation
    assert "Professional registration (GMC) number 7654321" in confirmation
    assert re.sub(r"\s+", " ", STATEMENT_NO_GUARANTEE) in text


def test_without_service_settings_the_pdf_says_where_to_enter_them(ready_pathway, consultant):
    text = " ".join(_flat(_pdf(_signed_consent(ready_pathway, consultant), consultant)))
    assert "Service details not entered (Admin, Service settings)" in text


def test_keyboard_signature_is_recorded_as_typed(ready_pathway, consultant, service):
    consent = _signed_consent(
        ready_pathway, consultant, signature_method="typed", patient_signature=None, patient_typed_name="Ann Example"
    )
    text = " ".join(_flat(_pdf(consent, consultant)))
    assert "Ann Example" in text
    assert "(keyboard signature)" in text


def _words_outside_the_page(content: bytes) -> list[str]:
    """Every word whose box, as pdftotext -bbox places it, leaves the page's box or crosses the
    A4 side margins less 2 mm (1.6 cm margins: text starts at 45 pt and ends by 550 pt)."""
    xhtml = subprocess.run(
        [PDFTOTEXT, "-bbox", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    root = ET.fromstring(xhtml)  # noqa: S314 (the output of poppler for a PDF this test made)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    outside = []
    for number, page in enumerate(root.iterfind(".//x:page", ns), start=1):
        width, height = float(page.get("width")), float(page.get("height"))
        left, right = 1.6 * 72 / 2.54 - 6, width - 1.6 * 72 / 2.54 + 6
        for word in page.iterfind("x:word", ns):
            x0, y0, x1, y1 = (float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
            if x0 < left or x1 > right or y0 < 0 or y1 > height:
                outside.append(f"page {number}: {word.text!r} at x {x0:.0f}-{x1:.0f} (page {width:.0f} wide)")
    return outside


@needs_poppler
@pytest.mark.parametrize("form_type", ["form1", "form4"])
def test_no_text_outside_the_page_box(ready_pathway, consultant, service, form_type, tmp_path):
    consent = _signed_consent(ready_pathway, consultant, form_type=form_type)
    if form_type == "form4":
        CapacityAssessmentFactory(consent=consent)
    content = _pdf(consent, consultant)
    assert _words_outside_the_page(content) == []
    # Rendered to images (what a person filing it sees): one A4 PNG per page, none blank.
    (tmp_path / "consent.pdf").write_bytes(content)
    subprocess.run(
        [PDFTOPPM, "-r", "40", "-png", str(tmp_path / "consent.pdf"), str(tmp_path / "page")], check=True, timeout=120
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(PdfReader(io.BytesIO(content)).pages)
    for number, path in enumerate(images, start=1):
        # Whatever is drawn (text, table borders, the signature) lies inside the side margins.
        with Image.open(path) as image:
            ink = ImageChops.difference(image.convert("L"), Image.new("L", image.size, 255)).getbbox()
            margin = round(1.6 / 2.54 * 40)  # 1.6 cm at 40 dots per inch
            assert ink is not None, f"page {number} is blank"
            assert ink[0] >= margin - 2 and ink[2] <= image.width - margin + 2, (number, ink, image.size)
