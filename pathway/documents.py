"""The pathway's own stored documents for the list on its page (pathway.core.providers.documents)."""

from __future__ import annotations

from django.urls import reverse

from pathway.core.providers import DocumentLink, stored_link
from pathway.pre_assessment import medicines_letter
from pathway.recovery import discharge_sheet


def pathway_documents(pathway) -> list[DocumentLink]:
    return stored_link(
        medicines_letter.stored(pathway),
        title='Patient letter: "Your medicines before the procedure" (PDF)',
        url=reverse("pathway:medicines_letter", args=[pathway.pk]),
        note="made when the pre-assessment was last saved",
    ) + stored_link(
        discharge_sheet.stored(pathway),
        title="Discharge advice sheet (PDF)",
        url=reverse("pathway:discharge_sheet", args=[pathway.pk]),
        note="given to the patient at discharge",
    )
