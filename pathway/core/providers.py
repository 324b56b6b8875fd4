"""Facts the pathway needs from the consent app, which sits above it (docs/architecture.md).

The consent app imports the pathway (a consent belongs to a pathway), so the pathway may not import
the consent app. Where a gate or a record of the day needs a consent fact ("which levels are
consented?", "is this risk on the consent?"), it asks this module; the consent app registers the
answers when Django starts (consent.apps.ConsentConfig.ready -> register_consent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from pathway.core.models import Pathway


class ConsentFacts(Protocol):
    """What the consent app tells the pathway. Each answer reads the consent record; none writes."""

    def current_consent(self, pathway: Pathway):
        """The latest consent record of the pathway (draft, signed or withdrawn), or None."""

    def consented_levels(self, pathway: Pathway) -> list[str]:
        """Levels of the consent in force; [] when there is none."""

    def readiness_items(self, pathway: Pathway) -> list:
        """The consent items of the ready-for-procedure checklist (domain.md 5.8), as
        pathway.core.gating.ChecklistItem."""

    def risk_on_consent(self, pathway: Pathway, risk_code: str) -> bool | None:
        """Was this library risk explained on the patient's consent? None when there is no consent."""

    def complication_risks(self) -> QuerySet:
        """The library risks a complication may be recorded as (current versions)."""


_consent: ConsentFacts | None = None


def register_consent(facts: ConsentFacts) -> None:
    global _consent
    _consent = facts


def consent() -> ConsentFacts:
    if _consent is None:
        raise ImproperlyConfigured("The consent app is not installed: nothing has registered the consent facts.")
    return _consent


# --- at the discharge -----------------------------------------------------------------------------
# Documents made at the discharge by an app above pathway (the GP letter, interop.gp_letter). The
# discharge service calls each in its own transaction, after the discharge sheet, so a discharge
# always has its documents and a failing one undoes the discharge.

_discharge_handlers: list = []


def register_discharge_handler(handler) -> None:
    """`handler(*, pathway, acting_user)`, called once per discharge. Idempotent."""
    if handler not in _discharge_handlers:
        _discharge_handlers.append(handler)


def discharge_handlers() -> tuple:
    return tuple(_discharge_handlers)


# --- the documents of a pathway ---------------------------------------------------------------------
# The pathway page lists every stored document of the pathway and its record for other systems. The
# documents belong to several apps (the medicines letter and discharge sheet here, the consent PDFs in
# consent, the GP letter and the FHIR record in interop); each app registers a function listing its own.


@dataclass(frozen=True)
class DocumentLink:
    """One document of a pathway, as its page links to it. `made_at` is None for a record that is
    produced when it is read (the FHIR export), which is listed last."""

    title: str
    url: str
    made_at: datetime | None = None
    note: str = ""


def stored_link(document, *, title: str, url: str, note: str = "") -> list[DocumentLink]:
    """The link to a stored document (anything with `rendered_at`), or nothing when there is none."""
    return [] if document is None else [DocumentLink(title, url, document.rendered_at, note)]


_document_providers: list = []


def register_documents(provider) -> None:
    """`provider(pathway) -> Iterable[DocumentLink]`; reads only. Idempotent."""
    if provider not in _document_providers:
        _document_providers.append(provider)


def documents(pathway: Pathway) -> list[DocumentLink]:
    """Every registered document of the pathway, oldest first, then the records made on reading."""
    links = [link for provider in _document_providers for link in provider(pathway)]
    return sorted(links, key=lambda link: (link.made_at is None, link.made_at or datetime.min.replace(tzinfo=UTC)))
