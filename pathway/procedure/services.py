"""The procedure day: the planned date, the safety checklist phase by phase, the treated levels."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.models import Pathway, rule_value
from pathway.core.services import check_stage_open, require_perm, save_versioned
from pathway.pre_assessment import pregnancy
from pathway.pre_assessment.models import PregnancyStatus
from pathway.procedure import gates as procedure_gates
from pathway.procedure.models import (
    CHECK_ITEM_BY_CODE,
    CHECKLIST_ITEMS,
    ChecklistPhase,
    ImagingAgeDecision,
    ImagingDecision,
    LastDose,
    Procedure,
    SafetyChecklistItem,
)

logger = logging.getLogger(__name__)


def _procedure_for_day(*, acting_user, pathway: Pathway):
    """The pathway's procedure record, created (empty) by the first checklist answer of the day."""
    # Read afresh (not the pathway's cached copy) and cache it on the pathway for the workflow checks.
    procedure = Procedure.objects.filter(pathway=pathway).first()
    if procedure is None:
        procedure = save_versioned(instance=Procedure(pathway=pathway), expected_version=None, acting_user=acting_user)
    pathway.procedure = procedure
    return procedure


@transaction.atomic
def record_checklist_phase(
    *,
    acting_user,
    pathway: Pathway,
    phase: str,
    answers: dict[str, str],
    pregnancy_status: str = "",
    pregnancy_not_applicable_reason: str = "",
    legs: dict | None = None,
    last_doses: dict | None = None,
    override_reason: str = "",
) -> list[str]:
    """Record one phase of the safety checklist (domain.md 6.1), each answer by `acting_user` now.

    Refused, with nothing saved, when the previous phase is not complete or (sign in) the re-checks
    fail, unless a consultant overrides the sign-in checks with a written reason. Returns the items
    answered "no": the phase is then recorded but not complete.
    """
    require_perm(acting_user, roles.RECORD_PROCEDURE)
    check_stage_open(pathway, Stage.PROCEDURE)
    phase = ChecklistPhase(phase)
    codes = [item.code for item in CHECKLIST_ITEMS[phase]]
    if set(answers) != set(codes):
        raise workflow.WorkflowError("Answer every item of the checklist phase.")
    procedure = _procedure_for_day(acting_user=acting_user, pathway=pathway)
    if phase == ChecklistPhase.SIGN_IN:
        _record_sign_in_answers(
            acting_user=acting_user,
            procedure=procedure,
            pregnancy_status=pregnancy_status,
            pregnancy_not_applicable_reason=pregnancy_not_applicable_reason,
            legs=legs or {},
            last_doses=last_doses or {},
        )
    reasons = procedure_gates.checklist_phase_reasons(pathway, phase)
    if reasons:
        if phase != ChecklistPhase.SIGN_IN or not override_reason.strip():
            raise workflow.GateClosed(reasons)
        procedure_gates.check_sign_in_override(acting_user, reasons, override_reason)
        procedure.sign_in_override_reason = override_reason.strip()
        procedure.sign_in_overridden_reasons = [str(r) for r in reasons]
        procedure.sign_in_overridden_by = acting_user
        procedure.sign_in_overridden_at = timezone.now()
        save_versioned(instance=procedure, expected_version=procedure.version, acting_user=acting_user)
        logger.info("checklist.sign_in_overridden procedure=%s user=%s", procedure.pk, acting_user.pk)
    existing = procedure.answers(phase)
    now = timezone.now()
    for code in codes:
        response = answers[code]
        row = existing.get(code)
        if row is not None and row.response == response:
            continue
        if row is None:
            row = SafetyChecklistItem(procedure=procedure, phase=phase, item=code)
        row.response = response
        row.answered_by = acting_user
        row.answered_at = now
        row.clean()
        save_versioned(instance=row, expected_version=row.version if row.pk else None, acting_user=acting_user)
    procedure.forget_answers()
    logger.info("checklist.recorded phase=%s procedure=%s user=%s", phase, procedure.pk, acting_user.pk)
    items = [CHECK_ITEM_BY_CODE[(phase.value, code)] for code in codes]
    return [item.label for item in items if answers[item.code] not in item.accepted]


@transaction.atomic
def record_sign_out_and_debrief(
    *, acting_user, pathway: Pathway, sign_out: dict[str, str], debrief: dict[str, str] | None
) -> tuple[list[str], list[str] | None]:
    """The sign out and, in the same step, the NatSSIPs debrief (domain.md 6.1), so the team does not
    open another page for it (issue 16). The debrief is recorded only once the sign out is complete
    (its order); with `debrief` None, or a sign out answered "no", it is left for later (None).
    Returns the items answered "no" of each."""
    sign_out_no = record_checklist_phase(
        acting_user=acting_user, pathway=pathway, phase=ChecklistPhase.SIGN_OUT, answers=sign_out
    )
    if debrief is None or sign_out_no:
        return sign_out_no, None
    debrief_no = record_checklist_phase(
        acting_user=acting_user, pathway=pathway, phase=ChecklistPhase.DEBRIEF, answers=debrief
    )
    return sign_out_no, debrief_no


def _pregnancy_today(procedure, status: str, reason: str) -> tuple[str, str]:
    """The pregnancy answer to record today: 'not applicable' with the reason it was not asked (a man,
    a woman over the age limit: pathway/pre_assessment/pregnancy.py), else the answer given, with the
    clinician's reason when it is 'not applicable' (domain.md 4.4; NICE NG45 1.3.1)."""
    skipped = pregnancy.skipped_reason(procedure.pathway, timezone.localdate())
    if skipped:
        return PregnancyStatus.NOT_APPLICABLE, skipped
    reason = reason.strip()
    if status == PregnancyStatus.NOT_APPLICABLE and not reason:
        raise workflow.WorkflowError(pregnancy.NEEDS_REASON)
    return status, reason if status == PregnancyStatus.NOT_APPLICABLE else ""


def _record_sign_in_answers(
    *, acting_user, procedure, pregnancy_status: str, pregnancy_not_applicable_reason: str, legs: dict, last_doses: dict
) -> None:
    """What the sign in asks besides yes/no, saved before its checks are judged (and rolled back with
    the phase when they refuse): pregnancy today, legs before sedation (the baseline, domain.md 7.1),
    and the last dose taken of each antithrombotic (domain.md 4.3). `legs` maps the four LegChecks
    fields to values; `last_doses` maps a medicine id to (not_taken, last_taken_at)."""
    status, reason = _pregnancy_today(procedure, pregnancy_status, pregnancy_not_applicable_reason)
    changed = (status, reason) != (procedure.pregnancy_status_on_day, procedure.pregnancy_not_applicable_reason)
    procedure.pregnancy_status_on_day = status
    procedure.pregnancy_not_applicable_reason = reason
    for name, value in legs.items():
        if getattr(procedure, name) != value:
            setattr(procedure, name, value)
            changed = True
    errors: dict[str, str] = {}
    procedure.check_legs(errors)
    if errors:
        raise workflow.WorkflowError(list(errors.values()))
    if changed:
        save_versioned(instance=procedure, expected_version=procedure.version, acting_user=acting_user)
    if not last_doses:
        return
    pre = workflow.stage_record(procedure.pathway, Stage.PRE_ASSESSMENT)
    medicines = {m.pk: m for m in pre.medicines.all()} if pre else {}
    existing = {d.medicine_id: d for d in procedure.last_doses.all()}
    for medicine_id, (not_taken, taken_at) in last_doses.items():
        if medicine_id not in medicines:
            raise workflow.WorkflowError("That medicine is not on this patient's pre-assessment.")
        row = existing.get(medicine_id) or LastDose(procedure=procedure, medicine=medicines[medicine_id])
        if row.pk and row.not_taken == not_taken and row.last_taken_at == taken_at:
            continue
        row.not_taken = not_taken
        row.last_taken_at = None if not_taken else taken_at
        try:
            row.full_clean(exclude=["procedure", "medicine"])
        except ValidationError as exc:
            raise workflow.WorkflowError(f"{medicines[medicine_id].name}: {' '.join(exc.messages)}") from exc
        save_versioned(instance=row, expected_version=row.version if row.pk else None, acting_user=acting_user)


@transaction.atomic
def record_imaging_decision(*, acting_user, pathway: Pathway, decision: str, reason: str) -> ImagingAgeDecision:
    """A consultant decides, for a scan older than the rule on the procedure date, to rescan or to
    proceed, with a reason (domain.md 3 [E][R18][I]); the sign in reads it."""
    if not acting_user.has_perm(roles.OVERRIDE_GATE) or not acting_user.is_consultant:
        raise workflow.WorkflowError("Only a consultant records the decision on an old scan.")
    check_stage_open(pathway, Stage.PROCEDURE)
    scan = workflow.stage_record(pathway, Stage.MRI)
    if scan is None:
        raise workflow.WorkflowError("No MRI review is recorded.")
    procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    row = ImagingAgeDecision(
        pathway=pathway,
        scan=scan,
        procedure_on=procedure_gates.procedure_day(pathway, procedure),
        decision=ImagingDecision(decision),
        reason=reason.strip(),
        decided_by=acting_user,
        decided_at=timezone.now(),
    )
    try:
        row.full_clean(exclude=["pathway", "scan", "decided_by"])
    except ValidationError as exc:
        raise workflow.WorkflowError(exc.messages) from exc
    save_versioned(instance=row, expected_version=None, acting_user=acting_user)
    logger.info("procedure.imaging_decision pathway=%s user=%s", pathway.pk, acting_user.pk)
    return row


@transaction.atomic
def record_treated_level(*, acting_user, pathway: Pathway, treated_level) -> list[str]:
    """Record one treated level; refused unless after the time out and on the consent. Returns
    warnings (volume above the rule, leak needing closer leg checks)."""
    require_perm(acting_user, roles.RECORD_PROCEDURE)
    check_stage_open(pathway, Stage.PROCEDURE)
    reasons = procedure_gates.treated_level_reasons(pathway, treated_level.level)
    if reasons:
        raise workflow.GateClosed(reasons)
    treated_level.procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    save_versioned(instance=treated_level, expected_version=None, acting_user=acting_user)
    warnings = []
    volume = treated_level.volume_warning(rule_value("cement_volume_warn_ml"))
    if volume:
        warnings.append(volume)
    if treated_level.needs_neuro_escalation:
        warnings.append(
            f"{treated_level.level}: cement in the spinal canal or a foramen; check leg power and sensation more often."
        )
    logger.info("procedure.level_recorded procedure=%s user=%s", treated_level.procedure_id, acting_user.pk)
    return warnings
