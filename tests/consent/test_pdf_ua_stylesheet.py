"""The consent PDF is rendered with a slim user-agent stylesheet (static/css/consent_pdf_ua.css) instead
of WeasyPrint's full HTML5 one, for speed. It must name every element the template uses, and give the
same document as the full sheet."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from consent.document import CONSENT_PDF_UA_STYLESHEET, document_context
from consent.models import DocumentEvent
from consent.pdf import render_pdf
from tests.factories import (
    CapacityAssessmentFactory,
    ConsentConfirmationFactory,
    ConsentRecordFactory,
    ConsentWithdrawalFactory,
)

TEMPLATE = Path(settings.BASE_DIR) / "templates/consent/pdf/consent.html"
UA_SHEET = Path(settings.BASE_DIR) / "static" / CONSENT_PDF_UA_STYLESHEET
# Elements WeasyPrint's html5_ua.css has no rule for (they keep the CSS initial values).
NO_UA_RULES = {"span"}


def test_the_slim_sheet_names_every_element_the_template_uses():
    used = set(re.findall(r"<([a-z][a-z0-9]*)", TEMPLATE.read_text())) | {"br", "tr"}  # linebreaksbr; rows
    sheet = re.sub(r"/\*.*?\*/", "", UA_SHEET.read_text(), flags=re.S)
    named = set(re.findall(r"(?<![\w.#-])([a-z][a-z0-9]*)(?=[\s,{>:])", sheet))
    assert used - NO_UA_RULES - named == set()


def _pages_text(content: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()).strip() for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.django_db
@pytest.mark.parametrize("form_type", ["form1", "form4"])
def test_the_slim_sheet_gives_the_same_text_and_pages_as_the_full_one(ready_pathway, form_type):
    consent = ConsentRecordFactory(
        pathway=ready_pathway, form_type=form_type, signed=True, interpreter_used=True, interpreter_name="A Lee"
    )
    if form_type == "form4":
        CapacityAssessmentFactory(consent=consent)
    ConsentConfirmationFactory(consent=consent)
    ConsentWithdrawalFactory(consent=consent)
    consent = type(consent).objects.get(pk=consent.pk)
    context = document_context(consent=consent, event=DocumentEvent.WITHDRAWN, event_at=timezone.now())
    slim = _pages_text(render_pdf("consent/pdf/consent.html", context, ua_stylesheet=CONSENT_PDF_UA_STYLESHEET))
    full = _pages_text(render_pdf("consent/pdf/consent.html", context))
    assert slim == full
    assert "CONSENT WITHDRAWN" in " ".join(slim)
