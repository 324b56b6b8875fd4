"""The consent items of the ready-for-procedure checklist: G4 and the day-of consent gate (domain.md 5.8).

Reasons a consultant may never override: no consent, not signed, withdrawn, levels not covered,
lapsed. Nobody treats without a valid consent covering the levels. Registered with the pathway through
pathway.core.providers (consent.apps), since the pathway may not import the consent app.
"""

from __future__ import annotations

from django.utils import timezone

from consent import selectors
from consent.models import Alternative, CapacityAssessment, ConsentForm, sort_levels
from pathway.core.gating import (
    CONSENT_CONFIRMED_LABEL,
    ChecklistItem,
    Reason,
    once_per_page,
)


def consent_date(value) -> str:
    return f"{timezone.localtime(value):%-d %b %Y}" if hasattr(value, "tzinfo") else f"{value:%-d %b %Y}"


def consent_item(label: str, problem: str | None, *, overridable: bool = True) -> ChecklistItem:
    if problem is None:
        return ChecklistItem(label=label, met=True)
    return ChecklistItem(label=label, met=False, reason=Reason(problem, overridable=overridable))


def form_problem(pathway, consent) -> str | None:
    """Form 1 or Form 4 according to capacity (MCA 2005 s.2-3; domain.md 5.5 [R39])."""

    capacity = getattr(consent, "capacity", None) if _consent_has_capacity(consent) else None
    if consent.form_type == ConsentForm.FORM_4:
        if capacity is None:
            return "A Form 4 needs the capacity assessment."
        if not capacity.lacks_capacity:
            return "The capacity assessment shows the patient has capacity for this decision: use a Form 1."
        problems = capacity.best_interests_problems()
        if problems:
            return "The Form 4 best-interests record is incomplete: " + "; ".join(problems) + "."
        return None
    if capacity is not None and capacity.lacks_capacity:
        return "The capacity assessment shows the patient lacks capacity for this decision: a Form 4 is needed."
    if capacity is None and selectors.capacity_concern(pathway):
        return "A capacity concern was recorded at pre-assessment: record a capacity assessment on the consent."
    return None


def _consent_has_capacity(consent) -> bool:
    try:
        consent.capacity  # noqa: B018 - existence check of a one-to-one
    except CapacityAssessment.DoesNotExist:
        return False
    return True


def risks_problem(consent) -> str | None:
    """Every library risk discussed, or why not (GMC para 23(d); domain.md 5.4 [R35])."""
    risks = list(consent.explained_risks.all())
    if not risks:
        return "No risks are recorded on the consent."
    missing = [r.name for r in risks if not r.accounted_for]
    if missing:
        return "Risks neither discussed nor with a reason for not discussing them: " + ", ".join(missing) + "."
    return None


def alternatives_problem(consent) -> str | None:
    """Reasonable alternatives, including no treatment (Montgomery; GMC para 11; domain.md 5.1)."""
    if Alternative.NO_TREATMENT not in consent.alternatives:
        return "The alternatives discussed, including no treatment, are not recorded."
    return None


def leaflet_problem(consent) -> str | None:
    if not consent.leaflet_id or not consent.leaflet_given_on:
        return "The leaflet given to the patient, with its version, is not recorded."
    return None


def interpreter_problem(pathway, consent) -> str | None:
    needed, _language = selectors.interpreter_required(pathway)
    if not (needed or consent.interpreter_used):
        return None
    if consent.interpreter_used and consent.interpreter_name.strip() and consent.interpreter_statement:
        return None
    return "An interpreter was needed but the interpreter's statement is not recorded."


def levels_problem(consent, planned: list[str]) -> str | None:
    consented = ", ".join(sort_levels(consent.levels)) or "none"
    wanted = ", ".join(planned) or "none"
    if not consent.levels:
        return "No vertebral levels are recorded on the consent."
    if set(planned) == set(consent.levels):
        return None
    if consent.is_signed:
        return (
            f"The planned levels have changed since the consent was signed (consented: {consented}; "
            f"planned: {wanted}): re-consent is needed."
        )
    return f"The consent's levels ({consented}) do not match the planned levels ({wanted})."


def record_items(pathway, consent, planned: list[str]) -> list[ChecklistItem]:
    """What the consent record itself must hold; also checked before it may be signed."""
    items = [
        consent_item("Consent form right for the patient's capacity", form_problem(pathway, consent)),
        consent_item("Every risk discussed, or the omission justified", risks_problem(consent)),
        consent_item("Alternatives recorded, including no treatment", alternatives_problem(consent)),
        consent_item("Leaflet and version recorded", leaflet_problem(consent)),
    ]
    interpreter = interpreter_problem(pathway, consent)
    if interpreter is not None or consent.interpreter_used:
        items.append(consent_item("Interpreter's statement recorded", interpreter))
    items.append(consent_item("Consent covers the planned levels", levels_problem(consent, planned), overridable=False))
    # The operator is named before the day: they confirm on the day (domain.md 5.6 [A][R45]; domain.md 10).
    items.append(
        consent_item(
            f"Operator named: {consent.operator.display_name}" if consent.operator_id else "",
            None if consent.operator_id else "The operator who will perform the procedure is not named.",
            overridable=False,
        )
    )
    return items


def sign_refusals(pathway, consent) -> list[Reason]:
    """Why a draft cannot be signed yet: a signed consent can never be corrected, so it must be complete."""
    planned = selectors.planned_levels(pathway)
    return [item.reason for item in record_items(pathway, consent, planned) if not item.met]


@once_per_page
def consent_items(pathway) -> list[ChecklistItem]:
    """The consent items of the ready-for-procedure checklist."""
    consent = selectors.current_consent(pathway)
    if consent is None:
        return [consent_item("Consent recorded", "No consent has been recorded.", overridable=False)]
    withdrawal = consent.withdrawal_or_none
    if withdrawal is not None:
        return [
            consent_item(
                "Consent not withdrawn",
                f"Consent was withdrawn on {consent_date(withdrawal.withdrawn_at)} "
                f"({withdrawal.get_timing_display().lower()}): a new consent is needed.",
                overridable=False,
            )
        ]
    planned = selectors.planned_levels(pathway)
    items = record_items(pathway, consent, planned)
    if not consent.is_signed:
        items.append(
            consent_item(
                "Consent signed by the patient and the clinician", "The consent has not been signed.", overridable=False
            )
        )
        return items
    items.append(consent_item("Consent signed by the patient and the clinician", None))
    rules = selectors.consent_rules()
    day = selectors.procedure_day(pathway)
    lapsed = selectors.has_lapsed(consent, on=day, rules=rules)
    items.append(
        consent_item(
            "Consent within its validity",
            f"The consent has lapsed: signed {consent_date(consent.signed_at)}, "
            f"valid for {rules['validity_days']} days."
            if lapsed
            else None,
            overridable=False,
        )
    )
    # Stage 2 on the day, before sedation (domain.md 5.6, 5.8), by the operator or a recorded delegate
    # (domain.md 10). Listing may be overridden; the sign in never overrides it (procedure.gates).
    confirmation = consent.latest_confirmation
    if confirmation is None:
        problem = "The consent has not been confirmed on the day by the operator."
    elif timezone.localdate(confirmation.confirmed_at) != day:
        problem = (
            f"The consent was confirmed on {consent_date(confirmation.confirmed_at)}, not on the day of the procedure "
            f"({consent_date(day)}): the operator confirms it again on the day."
        )
    elif confirmation.confirmed_by_id != consent.operator_id and not confirmation.delegation_reason.strip():
        problem = "The consent was confirmed by someone other than the named operator, with no delegation recorded."
    else:
        problem = None
    items.append(consent_item(CONSENT_CONFIRMED_LABEL, problem))
    return items
