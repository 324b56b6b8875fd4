"""Reads about consent. Other apps ask these, never the consent tables directly.

Contract (used by pathway.workflow, the procedure and complication records):
- `current_consent(pathway)`: the pathway's current consent (latest not superseded) or None.
- `consented_levels(pathway=...)`: levels of the signed, valid, not withdrawn consent; [] otherwise.
- `risk_on_consent(pathway=..., risk_code=...)`: was this risk explained on the consent in force?
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from consent.models import (
    ConsentConfirmation,
    ConsentDocument,
    ConsentRecord,
    ExplainedRisk,
    Leaflet,
    Risk,
    WithdrawalTiming,
    sort_levels,
)
from pathway import selectors as pathway_selectors
from pathway.core.gating import once_per_page
from pathway.models import Pathway, rule_values

VIEW_CONSENT = "consent.view_consentrecord"


def _consents(pathway: Pathway) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(pathway=pathway).select_related(
        "withdrawal", "capacity", "clinician", "leaflet"
    )


@once_per_page
def current_consent(pathway: Pathway) -> ConsentRecord | None:
    """The pathway's current consent: the latest one not superseded by a newer one, or None."""
    if pathway.pk is None:
        return None
    return (
        _consents(pathway)
        .current()
        .prefetch_related(Prefetch("confirmations", queryset=ConsentConfirmation.objects.order_by("confirmed_at")))
        .order_by("-created_at", "-id")
        .first()
    )


def consents_for(*, pathway: Pathway) -> list[ConsentRecord]:
    """Every consent of the pathway, newest first (superseded ones included, for the record)."""
    return list(_consents(pathway).prefetch_related("confirmations", "documents").order_by("-created_at", "-id"))


# --- facts from the other stages ------------------------------------------------------------------


def planned_levels(pathway: Pathway) -> list[str]:
    """The levels planned for treatment (from the MRI review), in spinal order."""
    return sort_levels(pathway_selectors.planned_levels(pathway=pathway))


def _pre_assessment(pathway: Pathway):
    try:
        return pathway.pre_assessment
    except (ObjectDoesNotExist, AttributeError):  # no pre-assessment recorded yet
        return None


def capacity_concern(pathway: Pathway) -> bool:
    pre = _pre_assessment(pathway)
    return bool(pre and pre.capacity_concern)


def interpreter_required(pathway: Pathway) -> tuple[bool, str]:
    """(needed, language) from the pre-assessment."""
    pre = _pre_assessment(pathway)
    if pre is None or not pre.interpreter_required:
        return False, ""
    return True, pre.interpreter_language


# --- validity -------------------------------------------------------------------------------------


def consent_rules() -> dict[str, int]:
    """Validity windows are local policy held in the rule table (domain.md 5.6 [R43])."""
    values = rule_values()
    return {
        "validity_days": int(values["consent_validity_days"]),
        "reconfirm_days": int(values["consent_reconfirm_days"]),
    }


def procedure_day(pathway: Pathway) -> datetime.date:
    """The day consent must be valid and confirmed on: the planned date, or today when none is set.

    Before the procedure a planned date already past counts as today (the list slipped)."""
    today = timezone.localdate()
    planned = pathway.planned_procedure_on
    if planned is None:
        return today
    if pathway.current_stage in ("referral", "suitability", "mri", "pre_assessment", "consent") and planned < today:
        return today
    return planned


def valid_until(consent: ConsentRecord, rules: dict | None = None) -> datetime.date | None:
    rules = rules or consent_rules()
    return consent.valid_until(rules["validity_days"])


def has_lapsed(consent: ConsentRecord, *, on: datetime.date | None = None, rules: dict | None = None) -> bool:
    until = valid_until(consent, rules)
    return until is not None and (on or timezone.localdate()) > until


def needs_risks_rediscussed(consent: ConsentRecord, *, on: datetime.date | None = None, rules=None) -> bool:
    """Signed more than `consent_reconfirm_days` before: the risks are gone through again on the day."""
    if not consent.signed_at:
        return False
    rules = rules or consent_rules()
    return ((on or timezone.localdate()) - timezone.localdate(consent.signed_at)).days > rules["reconfirm_days"]


def levels_changed(consent: ConsentRecord, planned: list[str] | None = None) -> bool:
    """The planned levels differ from the consented ones: the consent is flagged for re-consent."""
    planned = planned_levels(consent.pathway) if planned is None else planned
    return set(planned) != set(consent.levels)


def flagged_for_reconsent(consent: ConsentRecord, planned: list[str] | None = None) -> bool:
    return consent.is_signed and not consent.is_withdrawn and levels_changed(consent, planned)


def consent_in_force(pathway: Pathway) -> ConsentRecord | None:
    """The current consent if it is signed, not withdrawn and within its validity."""
    consent = current_consent(pathway)
    if consent is None or not consent.is_signed or consent.is_withdrawn or has_lapsed(consent):
        return None
    return consent


def consented_levels(*, pathway: Pathway) -> list[str]:
    """Levels of the valid, signed, not withdrawn consent; [] otherwise."""
    consent = consent_in_force(pathway)
    return sort_levels(consent.levels) if consent else []


def consent_for_procedure(pathway: Pathway) -> ConsentRecord | None:
    """The consent the procedure went ahead on: the latest signed one not withdrawn before it."""
    return (
        ConsentRecord.objects.filter(pathway=pathway, signed_at__isnull=False)
        .exclude(withdrawal__timing=WithdrawalTiming.BEFORE)
        .order_by("-signed_at", "-id")
        .first()
    )


def risk_on_consent(*, pathway: Pathway, risk_code: str) -> bool | None:
    """True if the risk was explained (ticked as discussed) on the consent the procedure went ahead
    on, False if it was not on it or not discussed, None if there is no such consent.

    Answered from the ExplainedRisk snapshot, so later edits of the library change nothing.
    """
    consent = consent_for_procedure(pathway)
    if consent is None:
        return None
    return consent.explained_risks.filter(risk__code=risk_code, discussed=True).exists()


# --- for views ------------------------------------------------------------------------------------


def get_consent_for_user(*, user, pathway: Pathway, consent_id) -> ConsentRecord:
    if not user.has_perm(VIEW_CONSENT):
        raise PermissionDenied
    try:
        return _consents(pathway).prefetch_related("confirmations").get(pk=consent_id)
    except (ConsentRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such consent.") from exc


def explained_risks(consent: ConsentRecord) -> QuerySet[ExplainedRisk]:
    return consent.explained_risks.select_related("risk").order_by("order", "id")


def documents_for(consent: ConsentRecord) -> QuerySet[ConsentDocument]:
    return consent.documents.select_related("rendered_by").order_by("event_at", "id")


def get_document(consent: ConsentRecord, document_id) -> ConsentDocument:
    try:
        return consent.documents.get(pk=document_id)
    except (ConsentDocument.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such document.") from exc


def active_risks() -> list[Risk]:
    return list(Risk.objects.active().with_current_version())


def active_leaflets() -> QuerySet[Leaflet]:
    return Leaflet.objects.current()
