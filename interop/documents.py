"""The GP letter and the FHIR record of a pathway for the list on its page
(pathway.core.providers.documents)."""

from __future__ import annotations

from django.urls import reverse

from interop import gp_letter
from pathway.core.providers import DocumentLink


def interop_documents(pathway) -> list[DocumentLink]:
    links = []
    letter = gp_letter.stored(pathway)
    if letter is not None:
        links.append(
            DocumentLink(
                title="Letter to the GP (PDF)",
                url=reverse("interop:gp_letter", args=[pathway.pk]),
                made_at=letter.rendered_at,
                note="made at the discharge",
            )
        )
    links.append(
        DocumentLink(
            title="The whole pathway as a FHIR R4 record (JSON)",
            url=reverse("interop:pathway_fhir", args=[pathway.pk]),
            note="for the electronic patient record or a registry; made as it is opened",
        )
    )
    return links
