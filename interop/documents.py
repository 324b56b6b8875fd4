"""The GP letter and the FHIR record of a pathway for the list on its page
(pathway.core.providers.documents)."""

from __future__ import annotations

from django.urls import reverse

from interop import gp_letter
from pathway.core.providers import DocumentLink, stored_link


def interop_documents(pathway) -> list[DocumentLink]:
    return [
        *stored_link(
            gp_letter.stored(pathway),
            title="Letter to the GP (PDF)",
            url=reverse("interop:gp_letter", args=[pathway.pk]),
            note="made at the discharge",
        ),
        DocumentLink(
            title="The whole pathway as a FHIR R4 record (JSON)",
            url=reverse("interop:pathway_fhir", args=[pathway.pk]),
            note="for the electronic patient record or a registry; made as it is opened",
        ),
    ]
