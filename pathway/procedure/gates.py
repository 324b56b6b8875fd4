"""The procedure's gates: ready for procedure (design.md 4), the WHO checklist in order (sign in ->
time out -> sign out, domain.md 6.1 G5 [A][R66][R68]), levels only from the consent (domain.md 6.2 [I]).
The consent's own items come from the consent app through pathway.core.providers.
"""

from __future__ import annotations

from django.utils import timezone

from pathway.anticoagulation import hold_problem
from pathway.core import providers
from pathway.core.choices import Stage, in_sentence
from pathway.core.gating import (
    CONSENT_CONFIRMED_LABEL,
    ChecklistItem,
    Reason,
    check_override,
    checklist_item,
    missing_record,
    num,
    once_per_page,
    stage_record,
    unmet,
)
from pathway.core.models import Pathway, rule_values
from pathway.mri.gates import mri_items
from pathway.pre_assessment import pregnancy
from pathway.pre_assessment.gates import pre_assessment_items
from pathway.pre_assessment.models import PregnancyStatus
from pathway.procedure.models import Anaesthesia, ChecklistPhase, ImagingAgeDecision, ImagingDecision
from pathway.selectors import planned_levels
from pathway.suitability.gates import suitability_items


def gate_procedure(pathway: Pathway) -> list[Reason]:
    return [item.reason for item in ready_for_procedure(pathway) if not item.met]


@once_per_page
def ready_for_procedure(pathway: Pathway) -> list[ChecklistItem]:
    """The ready-for-procedure checklist (design.md section 4), each unmet item in plain words.

    A concatenation of item builders, one per stage before the procedure; the consent app supplies its own.
    """
    return preprocedure_items(pathway) + providers.consent().readiness_items(pathway)


def preprocedure_items(pathway: Pathway) -> list[ChecklistItem]:
    """Suitable; unhealed concordant fracture; no absolute contraindication; pre-assessment met on
    the planned date (bloods in range and in date, a plan for every antithrombotic)."""
    rules = rule_values()
    return (
        suitability_items(pathway, rules, full=False)
        + mri_items(pathway)
        + pre_assessment_items(pathway, rules, on_the_day=True)
    )


def consented_levels(pathway: Pathway) -> list[str]:
    """Levels of the consent in force; [] when there is none."""
    return providers.consent().consented_levels(pathway)


def pregnancy_check_applies(pathway: Pathway, on=None) -> bool:
    """NICE NG45 1.3.1 via domain.md 4.4 [A][R30]: ask, on the day, anyone who could be pregnant. Not
    a man, nor a woman older than the rule's age (pathway/pre_assessment/pregnancy.py); the answer
    'not applicable', with its reason, covers anyone else who cannot be pregnant."""
    return not pregnancy.skipped_reason(pathway, on or timezone.localdate())


def hard_at_sign_in(item: ChecklistItem) -> ChecklistItem:
    """At sign in, a missing or out-of-window confirmation by the operator is never overridden
    (domain.md 5.6, 5.8: the day-of gate; issue 14 item 2)."""
    if item.met or item.label != CONSENT_CONFIRMED_LABEL:
        return item
    return ChecklistItem(label=item.label, met=False, reason=Reason(str(item.reason), overridable=False))


def sign_in_items(pathway: Pathway) -> list[ChecklistItem]:
    """What the sign in re-checks before sedation: the full ready-for-procedure gate (consent
    included), the planned levels against the consent, and the pregnancy status today."""

    items = [hard_at_sign_in(item) for item in ready_for_procedure(pathway)]
    planned = planned_levels(pathway=pathway)
    consented = consented_levels(pathway)
    if not planned:
        items.append(checklist_item("", "No level is planned for treatment (no treatable level on the MRI review)."))
    else:
        missing = [level for level in planned if level not in consented]
        if missing:
            items.append(
                checklist_item(
                    "", Reason(f"Planned level(s) not on the consent: {', '.join(missing)}.", overridable=False)
                )
            )
        else:
            items.append(checklist_item(f"Levels {', '.join(planned)} planned and on the consent", None))
    procedure = stage_record(pathway, Stage.PROCEDURE)
    items.append(sign_in_legs_item(procedure))
    items += last_dose_items(pathway, procedure)
    items += imaging_age_items(pathway, procedure)
    skipped = pregnancy.skipped_reason(pathway, procedure_day(pathway, procedure))
    if skipped:
        items.append(checklist_item(f"Pregnancy question not asked ({skipped[0].lower()}{skipped[1:]})", None))
    else:
        status = procedure.pregnancy_status_on_day if procedure else ""
        if not status:
            items.append(checklist_item("", "The pregnancy status has not been checked today."))
        elif status in (PregnancyStatus.POSSIBLY_PREGNANT, PregnancyStatus.PREGNANT):
            label = PregnancyStatus(status).label.lower()
            items.append(
                checklist_item("", f"Pregnancy status today: {label}; a consultant must decide whether to go ahead.")
            )
        elif status == PregnancyStatus.NOT_APPLICABLE and procedure.pregnancy_not_applicable_reason:
            items.append(
                checklist_item(
                    f"Pregnancy status today: not applicable ({procedure.pregnancy_not_applicable_reason})", None
                )
            )
        else:
            items.append(checklist_item(f"Pregnancy status today: {PregnancyStatus(status).label.lower()}", None))
    return items


def procedure_day(pathway: Pathway, procedure):
    return procedure.procedure_day if procedure else (pathway.planned_procedure_on or timezone.localdate())


def sign_in_legs_item(procedure) -> ChecklistItem:
    """Leg power and sensation again before sedation: the baseline recovery checks are compared with
    (domain.md 7.1 [I]). Not overridable: the nurse in recovery needs it."""
    if procedure is None or not procedure.has_leg_checks:
        return checklist_item(
            "", Reason("Leg power and sensation have not been checked at sign in (the baseline).", overridable=False)
        )
    return checklist_item(f"Legs at sign in: {procedure.legs_display()}", None)


def last_dose_items(pathway: Pathway, procedure) -> list[ChecklistItem]:
    """For each antithrombotic, the last dose actually taken (or 'not taken'), asked at sign in and
    judged against the hold (domain.md 4.3 [A][R27]): the plan alone does not prove the hold."""
    pre = stage_record(pathway, Stage.PRE_ASSESSMENT)
    medicines = list(pre.medicines.all()) if pre else []
    if not medicines:
        return []
    records = {d.medicine_id: d for d in procedure.last_doses.all()} if procedure else {}
    day = procedure_day(pathway, procedure)
    now = timezone.localtime()
    items = []
    for medicine in medicines:
        record = records.get(medicine.pk)
        if record is None:
            reason = Reason(
                f"The last dose of {medicine.name.lower()} taken has not been recorded today.", overridable=False
            )
            items.append(checklist_item("", reason))
            continue
        if record.not_taken:
            items.append(checklist_item(f"{medicine.name}: not taken", None))
            continue
        taken = timezone.localtime(record.last_taken_at)
        when = f"{taken:%a %d %b %H:%M}"
        if medicine.plan.needs_written_plan:
            items.append(checklist_item(f"{medicine.name}: last taken {when} (see the clinician's written plan)", None))
            continue
        problem = hold_problem(drug=medicine.drug, procedure_on=day, last_taken_at=taken, at=now, crcl=pre.crcl_ml_min)
        items.append(checklist_item(f"{medicine.name}: last taken {when}, hold met", problem))
    return items


def imaging_age_items(pathway: Pathway, procedure) -> list[ChecklistItem]:
    """The MRI's age on the procedure date against the rule `imaging_age_warn_days` (domain.md 3:
    warn beyond the local limit; VAPOUR <= 7 days [E][R18][I]). Beyond it, a consultant's recorded
    decision (rescan or proceed, with a reason) is needed: not an override."""
    scan = stage_record(pathway, Stage.MRI)
    if scan is None:
        return []
    day = procedure_day(pathway, procedure)
    age = (day - scan.scanned_on).days
    limit = rule_values()["imaging_age_warn_days"]
    if age <= limit:
        return [checklist_item(f"MRI {age} days old on the procedure date (local limit {num(limit)} days)", None)]
    decision = latest_imaging_decision(pathway, scan, day)
    if decision is None:
        reason = (
            f"The MRI is {age} days old on the procedure date, beyond the local limit of {num(limit)} days: "
            "a consultant must record a decision to rescan or proceed."
        )
        return [checklist_item("", Reason(reason, overridable=False))]
    who = decision.decided_by.display_name
    if decision.decision == ImagingDecision.RESCAN:
        reason = f"{who} decided to rescan (the MRI is {age} days old): the new scan is needed first."
        return [checklist_item("", Reason(reason, overridable=False))]
    return [checklist_item(f"MRI {age} days old: {who} decided to proceed ({decision.reason})", None)]


def latest_imaging_decision(pathway: Pathway, scan, day):
    return (
        ImagingAgeDecision.objects.filter(pathway=pathway, scan=scan, procedure_on=day)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


def sign_out_reasons(pathway: Pathway) -> list[Reason]:
    """Sign out confirms the procedure is recorded: team, times, guidance, sedation and levels."""
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return missing_record(pathway, Stage.PROCEDURE)
    reasons: list[Reason] = []
    if not procedure.operator_id:
        reasons.append(Reason("The operator is not recorded."))
    if not (procedure.started_at and procedure.ended_at):
        reasons.append(Reason("The start and end times are not recorded."))
    if not procedure.guidance:
        reasons.append(Reason("The imaging guidance is not recorded."))
    if procedure.anaesthesia == Anaesthesia.LA_SEDATION and not procedure.sedation_drugs:
        reasons.append(Reason("Sedation was planned but no sedation drug is recorded."))
    if not procedure.levels.exists():
        reasons.append(Reason("No treated level is recorded."))
    return reasons


def checklist_phase_reasons(pathway: Pathway, phase: str) -> list[Reason]:
    """Why a phase of the safety checklist cannot be completed now: the phases go in order (not
    overridable), then the phase's own checks. Only the sign in's re-checks may be overridden."""
    phase = ChecklistPhase(phase)
    procedure = stage_record(pathway, Stage.PROCEDURE)
    previous = phase.previous
    if previous is not None and (procedure is None or not procedure.phase_complete(previous)):
        return [
            Reason(
                f"The {in_sentence(previous.label)} must be complete before the {in_sentence(phase.label)}.",
                overridable=False,
            )
        ]
    if phase == ChecklistPhase.SIGN_IN:
        return unmet(sign_in_items(pathway))
    if phase == ChecklistPhase.SIGN_OUT:
        return [Reason(r, overridable=False) for r in sign_out_reasons(pathway)]
    return []


def check_sign_in_override(acting_user, reasons: list[Reason], override_reason: str) -> None:
    """A consultant may go ahead despite closed sign-in checks, with a written reason (design.md 4);
    reasons marked not overridable (no valid consent for the levels, PMMA allergy) still block."""
    check_override(acting_user, reasons, override_reason)


def treated_level_reasons(pathway: Pathway, level: str) -> list[Reason]:
    """A level is recorded only after the time out and before the sign out, once, and only if it is
    on the consent: otherwise a hard stop, fresh consent needed (domain.md 6.2 [I])."""
    procedure = stage_record(pathway, Stage.PROCEDURE)
    reasons: list[Reason] = []
    if procedure is None or not procedure.phase_complete(ChecklistPhase.TIME_OUT):
        reasons.append(Reason("No level can be recorded before the time out is complete.", overridable=False))
    elif procedure.phase_complete(ChecklistPhase.SIGN_OUT):
        reasons.append(Reason("The sign out is complete; no more levels can be recorded.", overridable=False))
    if level not in consented_levels(pathway):
        reasons.append(
            Reason(f"{level} is not on the patient's consent: it needs fresh consent first.", overridable=False)
        )
    if procedure is not None and procedure.levels.filter(level=level).exists():
        reasons.append(Reason(f"{level} is already recorded.", overridable=False))
    return reasons


def gate_recovery(pathway: Pathway) -> list[Reason]:
    """G5: the patient leaves the room only after the sign out (domain.md 6.1 [A][R66][R68])."""
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return missing_record(pathway, Stage.PROCEDURE)
    if not procedure.phase_complete(ChecklistPhase.SIGN_OUT):
        return [Reason("The sign out of the safety checklist is not complete.", overridable=False)]
    return []
