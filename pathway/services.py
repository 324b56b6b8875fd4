"""Writes that touch clinical rows. Keyword-only, typed, each takes `acting_user`.

Stage movement is not here: it is `pathway.workflow`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.models import Pathway, Patient, PatientAccess, Stage

logger = logging.getLogger(__name__)


class StaleEdit(Exception):
    """Someone else saved this record after the form was opened."""

    message = (
        "Someone else saved this record after you opened it. Nothing you entered was saved; "
        "the form now shows their version. Please re-enter your changes."
    )


def _stamp(instance: models.Model, acting_user) -> None:
    now = timezone.now()
    if instance.pk is None:
        instance.created_at = now
    instance.updated_at = now
    instance.recorded_by = acting_user
    instance._history_user = acting_user


def save_versioned(*, instance: models.Model, expected_version: int | None, acting_user) -> models.Model:
    """Save a ClinicalRecord unless it changed since `expected_version` (optimistic locking).

    The version check and the bump are one UPDATE ... WHERE version = expected, so two concurrent
    saves cannot both win.
    """
    model = type(instance)
    _stamp(instance, acting_user)
    if instance.pk is None:
        instance.version = 1
        instance.save()
        return instance
    if expected_version is None:
        raise StaleEdit
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(version=expected_version + 1)
    if updated != 1:
        raise StaleEdit
    instance.version = expected_version + 1
    instance.save()
    return instance


@transaction.atomic
def register_patient(*, acting_user, patient: Patient) -> Patient:
    if not acting_user.has_perm(roles.ADD_PATIENT):
        raise PermissionDenied
    save_versioned(instance=patient, expected_version=None, acting_user=acting_user)
    logger.info("patient.registered id=%s user=%s", patient.pk, acting_user.pk)
    return patient


@transaction.atomic
def update_patient(*, acting_user, patient: Patient, expected_version: int | None) -> Patient:
    if not acting_user.has_perm(roles.CHANGE_PATIENT):
        raise PermissionDenied
    save_versioned(instance=patient, expected_version=expected_version, acting_user=acting_user)
    logger.info("patient.updated id=%s user=%s", patient.pk, acting_user.pk)
    return patient


def record_patient_access(*, acting_user, patient: Patient, pathway: Pathway | None = None) -> None:
    """Viewing a patient's record is logged: who, when, which patient (design.md section 9)."""
    PatientAccess.objects.create(user=acting_user, patient=patient, pathway=pathway)


@transaction.atomic
def open_pathway(*, acting_user, pathway: Pathway) -> Pathway:
    """Record a new referral: the pathway opens at the referral stage."""
    if not acting_user.has_perm(roles.RECORD_REFERRAL):
        raise PermissionDenied
    save_versioned(instance=pathway, expected_version=None, acting_user=acting_user)
    workflow.open_pathway(pathway=pathway, acting_user=acting_user)
    logger.info("pathway.opened id=%s user=%s", pathway.pk, acting_user.pk)
    return pathway


@transaction.atomic
def save_stage_record(
    *,
    acting_user,
    pathway: Pathway,
    stage: Stage,
    instance: models.Model,
    expected_version: int | None,
    after_save: Any = None,
) -> models.Model:
    """Save the form of one stage (the referral, or a stage record) with the version check.

    `after_save(instance)` saves dependent rows (per-level findings, medicines) in the same
    transaction, so a refused save leaves nothing behind.
    """
    if not workflow.can_record(acting_user, stage):
        raise PermissionDenied
    refusal = workflow.recording_refusal(pathway, stage)
    if refusal:
        raise workflow.WorkflowError(refusal)
    if instance.pk is None and hasattr(instance, "pathway_id"):
        instance.pathway = pathway
    save_versioned(instance=instance, expected_version=expected_version, acting_user=acting_user)
    if after_save is not None:
        after_save(instance)
    logger.info("stage.saved stage=%s pathway=%s user=%s", stage, pathway.pk, acting_user.pk)
    return instance


def save_rows(*, acting_user, formset, parent: models.Model) -> None:
    """Save the inline rows of a stage record (MRI levels, allergies, medicines) with history.

    Call inside the stage save's transaction (save_stage_record's `after_save`). Rows are never
    deleted: a row marked for removal is kept and flagged entered in error.
    """
    formset.instance = parent
    for row in formset.save(commit=False):
        _stamp(row, acting_user)
        if row.pk is not None:
            row.version += 1
        row.save()
    for row in getattr(formset, "deleted_objects", []):
        _stamp(row, acting_user)
        row.entered_in_error = True
        row.version += 1
        row.save(update_fields=["entered_in_error", "version", "updated_at", "recorded_by"])


def set_planned_procedure_date(*, acting_user, pathway: Pathway, planned_on) -> Pathway:
    """Move the planned procedure date (kept on the pathway), with history. Anticoagulant plans and
    blood-result validity are worked out from it when read, so they follow the new date at once."""
    stored = Pathway.objects.filter(pk=pathway.pk).values_list("planned_procedure_on", flat=True).get()
    if stored == planned_on:
        return pathway
    pathway.planned_procedure_on = planned_on
    save_versioned(instance=pathway, expected_version=pathway.version, acting_user=acting_user)
    logger.info("pathway.planned_date_set pathway=%s user=%s", pathway.pk, acting_user.pk)
    return pathway


# --- the day and after: checklist, levels, complications, recovery, discharge, follow-up (issue 5) -


def _require(acting_user, perm: str) -> None:
    if not acting_user.has_perm(perm):
        raise PermissionDenied


def _open_stage(pathway: Pathway, stage: Stage) -> None:
    refusal = workflow.recording_refusal(pathway, stage)
    if refusal:
        raise workflow.WorkflowError(refusal)


def _procedure_for_day(*, acting_user, pathway: Pathway):
    """The pathway's procedure record, created (empty) by the first checklist answer of the day."""
    from pathway.models import Procedure

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
    override_reason: str = "",
) -> list[str]:
    """Record one phase of the safety checklist (domain.md 6.1), each answer by `acting_user` now.

    Refused, with nothing saved, when the previous phase is not complete or (sign in) the re-checks
    fail, unless a consultant overrides the sign-in checks with a written reason. Returns the items
    answered "no": the phase is then recorded but not complete.
    """
    from pathway.models import CHECK_ITEM_BY_CODE, CHECKLIST_ITEMS, ChecklistPhase, SafetyChecklistItem

    _require(acting_user, roles.RECORD_PROCEDURE)
    _open_stage(pathway, Stage.PROCEDURE)
    phase = ChecklistPhase(phase)
    codes = [item.code for item in CHECKLIST_ITEMS[phase]]
    if set(answers) != set(codes):
        raise workflow.WorkflowError("Answer every item of the checklist phase.")
    procedure = _procedure_for_day(acting_user=acting_user, pathway=pathway)
    if phase == ChecklistPhase.SIGN_IN and pregnancy_status != procedure.pregnancy_status_on_day:
        procedure.pregnancy_status_on_day = pregnancy_status
        save_versioned(instance=procedure, expected_version=procedure.version, acting_user=acting_user)
    reasons = workflow.checklist_phase_reasons(pathway, phase)
    if reasons:
        if phase != ChecklistPhase.SIGN_IN or not override_reason.strip():
            raise workflow.GateClosed(reasons)
        workflow.check_sign_in_override(acting_user, reasons, override_reason)
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
def record_treated_level(*, acting_user, pathway: Pathway, treated_level) -> list[str]:
    """Record one treated level; refused unless after the time out and on the consent. Returns
    warnings (volume above the rule, leak needing closer leg checks)."""
    from pathway.models import rule_value

    _require(acting_user, roles.RECORD_PROCEDURE)
    _open_stage(pathway, Stage.PROCEDURE)
    reasons = workflow.treated_level_reasons(pathway, treated_level.level)
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


@transaction.atomic
def record_complication(*, acting_user, pathway: Pathway, complication):
    """Record an adverse event from the procedure up to the rule's window after it (domain.md 6.4, 8.1)."""
    if not workflow.can_record_complication(acting_user):
        raise PermissionDenied
    refusal = workflow.complication_refusal(pathway)
    if refusal:
        raise workflow.WorkflowError(refusal)
    complication.pathway = pathway
    save_versioned(instance=complication, expected_version=None, acting_user=acting_user)
    logger.info("complication.recorded pathway=%s user=%s", pathway.pk, acting_user.pk)
    return complication


def _recovery_for(*, acting_user, pathway: Pathway):
    from pathway.models import Recovery

    recovery = Recovery.objects.filter(pathway=pathway).first()
    if recovery is None:
        recovery = save_versioned(instance=Recovery(pathway=pathway), expected_version=None, acting_user=acting_user)
    pathway.recovery = recovery
    return recovery


@transaction.atomic
def add_observation_set(*, acting_user, pathway: Pathway, observation) -> list[str]:
    """Add one set of recovery observations; returns the escalations it calls for (NEWS2 Chart 4,
    legs worse than the first check)."""
    from pathway.scores import ResponseBand

    _require(acting_user, roles.RECORD_RECOVERY)
    _open_stage(pathway, Stage.RECOVERY)
    recovery = _recovery_for(acting_user=acting_user, pathway=pathway)
    observation.recovery = recovery
    save_versioned(instance=observation, expected_version=None, acting_user=acting_user)
    alerts = []
    news2 = observation.news2
    if news2.response.band not in (ResponseBand.ZERO, ResponseBand.LOW):
        alerts.append(f"NEWS2 {news2.total}: {news2.response.action}")
    if observation.has_leg_checks:
        first = recovery.observations.filter(left_leg_power__isnull=False).order_by("taken_at", "id").first()
        if first and first.pk != observation.pk and observation.legs_worse_than(first):
            alerts.append("Leg power or sensation is worse than at the first check: escalate to the operator now.")
    logger.info("recovery.observations_added recovery=%s user=%s", recovery.pk, acting_user.pk)
    return alerts


@transaction.atomic
def save_recovery(*, acting_user, pathway: Pathway, recovery, expected_version: int | None, advice_changed: bool):
    """Save the recovery form; whoever ticks discharge advice is recorded as having given it."""
    if advice_changed:
        recovery.advice_given_by = acting_user
        recovery.advice_given_at = timezone.now()
    return save_stage_record(
        acting_user=acting_user,
        pathway=pathway,
        stage=Stage.RECOVERY,
        instance=recovery,
        expected_version=expected_version,
    )


def new_follow_up(pathway: Pathway):
    """An unsaved follow-up due `follow_up_day` days after the procedure, with its window (domain.md 8.1)."""
    import datetime

    from pathway.models import FollowUp, rule_values

    rules = rule_values()
    procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    day = procedure.procedure_day if procedure else timezone.localdate()
    due = day + datetime.timedelta(days=int(rules["follow_up_day"]))
    return FollowUp(
        pathway=pathway,
        due_on=due,
        window_opens_on=due - datetime.timedelta(days=int(rules["follow_up_window_before_days"])),
        window_closes_on=due + datetime.timedelta(days=int(rules["follow_up_window_after_days"])),
    )


@transaction.atomic
def discharge(*, acting_user, pathway: Pathway, override_reason: str = ""):
    """Discharge from recovery: gate G6, the follow-up booked, the pathway moved to follow-up. One
    transaction, so a closed gate leaves nothing behind. The nurse discharges; a consultant may
    discharge with an override of the criteria."""
    if not (acting_user.has_perm(roles.RECORD_RECOVERY) or workflow.can_override(acting_user)):
        raise PermissionDenied
    _open_stage(pathway, Stage.RECOVERY)
    if pathway.stage != Stage.RECOVERY:
        raise workflow.WorkflowError("Only a patient in recovery can be discharged.")
    recovery = workflow.stage_record(pathway, Stage.RECOVERY)
    if recovery is None:
        raise workflow.GateClosed(workflow.gate_follow_up(pathway))
    recovery.discharged_at = timezone.now()
    recovery.discharged_by = acting_user
    save_versioned(instance=recovery, expected_version=recovery.version, acting_user=acting_user)
    follow_up = workflow.stage_record(pathway, Stage.FOLLOW_UP) or save_versioned(
        instance=new_follow_up(pathway), expected_version=None, acting_user=acting_user
    )
    workflow.advance(
        pathway=pathway, to_stage=Stage.FOLLOW_UP, acting_user=acting_user, override_reason=override_reason
    )
    logger.info("recovery.discharged pathway=%s user=%s", pathway.pk, acting_user.pk)
    return follow_up


@transaction.atomic
def complete_follow_up(*, acting_user, pathway: Pathway) -> Pathway | None:
    """Gate G7, then close the pathway as completed. A re-referral opens a new pathway for the same
    patient (design.md 4: a new fracture is a new pathway), which is returned."""
    from pathway.models import ExitState, FollowUpOutcome

    _require(acting_user, roles.RECORD_FOLLOW_UP)
    _open_stage(pathway, Stage.FOLLOW_UP)
    if pathway.stage != Stage.FOLLOW_UP:
        raise workflow.WorkflowError("Only a pathway at follow-up can be completed.")
    reasons = workflow.gate_complete(pathway)
    if reasons:
        raise workflow.GateClosed(reasons)
    follow_up = workflow.stage_record(pathway, Stage.FOLLOW_UP)
    new_pathway = None
    if follow_up.outcome == FollowUpOutcome.RE_REFERRED:
        if not acting_user.has_perm(roles.RECORD_REFERRAL):
            raise workflow.WorkflowError("Only a radiologist or consultant can re-refer a patient.")
        new_pathway = open_pathway(acting_user=acting_user, pathway=re_referral_for(pathway, acting_user=acting_user))
        follow_up.re_referral = new_pathway
    follow_up.completed_at = timezone.now()
    follow_up.completed_by = acting_user
    save_versioned(instance=follow_up, expected_version=follow_up.version, acting_user=acting_user)
    reason = "4-week follow-up complete; discharged from the service."
    if new_pathway is not None:
        reason = f"4-week follow-up complete; re-referred as pathway {new_pathway.pk}."
    workflow.close(pathway=pathway, exit_state=ExitState.COMPLETED, acting_user=acting_user, reason=reason)
    logger.info("follow_up.completed pathway=%s user=%s", pathway.pk, acting_user.pk)
    return new_pathway


def re_referral_for(pathway: Pathway, *, acting_user) -> Pathway:
    """The new pathway a re-referral opens: same patient, referred today by the service itself."""
    from pathway.models import ReferrerType

    return Pathway(
        patient=pathway.patient,
        referral_received_on=timezone.localdate(),
        referrer_type=ReferrerType.CONSULTANT,
        referrer_name=acting_user.get_full_name() or acting_user.get_username(),
        referrer_organisation="Vertebroplasty service (re-referral at follow-up)",
        aetiology=pathway.aetiology,
        priority=pathway.priority,
        responsible_consultant=pathway.responsible_consultant,
    )
