"""The pathway's own stored documents for the list on its page (pathway.core.providers.documents)."""

from __future__ import annotations

from django.urls import reverse

from pathway.core.providers import DocumentLink
from pathway.pre_assessment import medicines_letter
from pathway.recovery import discharge_sheet


def pathway_documents(pathway) -> list[DocumentLink]:
    links = []
    letter = medicines_letter.stored(pathway)
    if letter is not None:
        links.append(
            DocumentLink(
                title='Patient letter: "Your medicines before the procedure" (PDF)',
                url=reverse("pathway:medicines_letter", args=[pathway.pk]),
                made_at=letter.rendered_at,
                note="made when the pre-assessment was last saved",
            )
        )
    sheet = discharge_sheet.stored(pathway)
    if sheet is not None:
        links.append(
            DocumentLink(
                title="Discharge advice sheet (PDF)",
                url=reverse("pathway:discharge_sheet", args=[pathway.pk]),
                made_at=sheet.rendered_at,
                note="given to the patient at discharge",
            )
        )
    return links
