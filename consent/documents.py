"""The consent PDFs of a pathway for the list on its page (pathway.core.providers.documents)."""

from __future__ import annotations

from django.urls import reverse

from consent.models import ConsentDocument
from pathway.core.providers import DocumentLink


def consent_documents(pathway) -> list[DocumentLink]:
    """Every stored consent PDF of the pathway (signed, confirmed on the day, withdrawn), one query."""
    documents = ConsentDocument.objects.filter(consent__pathway=pathway).order_by("event_at", "id")
    return [
        DocumentLink(
            title=f"Consent form {document.consent_id}, {document.get_event_display().lower()} (PDF)",
            url=reverse("consent:document", args=[pathway.pk, document.consent_id, document.pk]),
            made_at=document.rendered_at,
            note=f"{document.pages} pages, SHA-256 {document.file_sha256[:12]}…",
        )
        for document in documents
    ]
