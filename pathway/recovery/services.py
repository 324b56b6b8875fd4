"""Recovery: observation sets (NEWS2), the recovery record, and the discharge that books the follow-up."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core import providers
from pathway.core.choices import Stage
from pathway.core.models import Pathway
from pathway.core.services import check_stage_open, require_perm, save_stage_record, save_versioned
from pathway.follow_up.services import new_follow_up
from pathway.recovery import discharge_sheet
from pathway.recovery import gates as recovery_gates
from pathway.recovery.models import Escalation, LegReview, Recovery
from pathway.scores import ResponseBand

logger = logging.getLogger(__name__)


def _recovery_for(*, acting_user, pathway: Pathway):
    recovery = Recovery.objects.filter(pathway=pathway).first()
    if recovery is None:
        recovery = save_versioned(instance=Recovery(pathway=pathway), expected_version=None, acting_user=acting_user)
    pathway.recovery = recovery
    return recovery


@transaction.atomic
def add_observation_set(*, acting_user, pathway: Pathway, observation) -> list[str]:
    """Add one set of recovery observations; returns the escalations it calls for (NEWS2 Chart 4,
    legs worse than the first check)."""
    require_perm(acting_user, roles.RECORD_RECOVERY)
    check_stage_open(pathway, Stage.RECOVERY)
    recovery = _recovery_for(acting_user=acting_user, pathway=pathway)
    observation.recovery = recovery
    save_versioned(instance=observation, expected_version=None, acting_user=acting_user)
    alerts = []
    news2 = observation.news2
    if news2.response.band not in (ResponseBand.ZERO, ResponseBand.LOW):
        alerts.append(f"NEWS2 {news2.total}: {news2.response.action}")
    if news2.response.band in ESCALATING_BANDS:
        # RCP Chart 4 [A][R70]: 5 or more is an urgent response, 7 or more an emergency one. The
        # escalation is a record to close (who was called, when, the outcome), not only a message.
        escalation = Escalation(
            recovery=recovery, observation=observation, news2_total=news2.total, band=news2.response.band
        )
        save_versioned(instance=escalation, expected_version=None, acting_user=acting_user)
        alerts.append("An escalation is open: record who was called, when, and the outcome before discharge.")
    baseline = recovery_gates.baseline_legs(pathway)
    if observation.has_leg_checks and baseline is not None and observation.legs_worse_than(baseline):
        # domain.md 7.2: any deterioration -> urgent escalation [I]; discharge waits for a review.
        alerts.append(
            "Leg power or sensation is worse than before the procedure: escalate to the operator now; "
            "discharge needs a medical review recorded."
        )
    logger.info("recovery.observations_added recovery=%s user=%s", recovery.pk, acting_user.pk)
    return alerts


# NEWS2 bands that open an escalation record: urgent (5+) and emergency (7+), RCP Chart 4 [A][R70].
ESCALATING_BANDS = (ResponseBand.MEDIUM, ResponseBand.HIGH)


@transaction.atomic
def close_escalation(*, acting_user, pathway: Pathway, escalation: Escalation, expected_version: int) -> Escalation:
    """Record who was called, when, and the outcome; the escalation is then closed (domain.md 7.1)."""
    require_perm(acting_user, roles.RECORD_RECOVERY)
    check_stage_open(pathway, Stage.RECOVERY)
    if escalation.recovery.pathway_id != pathway.pk:
        raise PermissionDenied
    escalation.full_clean()
    escalation.closed_at = timezone.now()
    escalation.closed_by = acting_user
    save_versioned(instance=escalation, expected_version=expected_version, acting_user=acting_user)
    logger.info("recovery.escalation_closed escalation=%s user=%s", escalation.pk, acting_user.pk)
    return escalation


@transaction.atomic
def record_leg_review(*, acting_user, pathway: Pathway, review: LegReview) -> LegReview:
    """Record the doctor's review after a fall in leg power or sensation (who, when, outcome); the
    discharge gate reads it (pathway.recovery.gates.legs_items)."""
    if not (acting_user.has_perm(roles.RECORD_RECOVERY) or acting_user.has_perm(roles.RECORD_PROCEDURE)):
        raise PermissionDenied
    check_stage_open(pathway, Stage.RECOVERY)
    recovery = workflow.stage_record(pathway, Stage.RECOVERY)
    if recovery is None or not recovery_gates.leg_falls(pathway, list(recovery.observations.all())):
        raise workflow.WorkflowError("No recovery leg check is below the baseline: there is nothing to review.")
    if not review.reviewed_by.has_perm(roles.RECORD_PROCEDURE):
        raise workflow.WorkflowError("The reviewer must be a doctor of the service.")
    review.recovery = recovery
    save_versioned(instance=review, expected_version=None, acting_user=acting_user)
    logger.info("recovery.leg_review recovery=%s user=%s", recovery.pk, acting_user.pk)
    return review


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


@transaction.atomic
def discharge(*, acting_user, pathway: Pathway, override_reason: str = ""):
    """Discharge from recovery: gate G6, the follow-up booked, the pathway moved to follow-up. One
    transaction, so a closed gate leaves nothing behind. The nurse discharges; a consultant may
    discharge with an override of the criteria."""
    if not (acting_user.has_perm(roles.RECORD_RECOVERY) or workflow.can_override(acting_user)):
        raise PermissionDenied
    check_stage_open(pathway, Stage.RECOVERY)
    if pathway.stage != Stage.RECOVERY:
        raise workflow.WorkflowError("Only a patient in recovery can be discharged.")
    recovery = workflow.stage_record(pathway, Stage.RECOVERY)
    if recovery is None:
        raise workflow.GateClosed(recovery_gates.gate_follow_up(pathway))
    recovery.discharged_at = timezone.now()
    recovery.discharged_by = acting_user
    save_versioned(instance=recovery, expected_version=recovery.version, acting_user=acting_user)
    follow_up = workflow.stage_record(pathway, Stage.FOLLOW_UP) or save_versioned(
        instance=new_follow_up(pathway), expected_version=None, acting_user=acting_user
    )
    workflow.advance(
        pathway=pathway, to_stage=Stage.FOLLOW_UP, acting_user=acting_user, override_reason=override_reason
    )
    discharge_sheet.store(pathway=pathway, acting_user=acting_user)  # the sheet as handed over
    for handler in providers.discharge_handlers():  # documents of the apps above (the GP letter)
        handler(pathway=pathway, acting_user=acting_user)
    logger.info("recovery.discharged pathway=%s user=%s", pathway.pk, acting_user.pk)
    return follow_up
