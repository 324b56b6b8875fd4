"""The 4-week follow-up: booking it at discharge and completing it (G7 closes the pathway)."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core.choices import ExitState, Stage
from pathway.core.models import Pathway, rule_values
from pathway.core.services import check_stage_open, require_perm, save_versioned
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up.models import FollowUp, FollowUpOutcome, UnscheduledContact
from pathway.outcomes import DisabilityInstrument
from pathway.referral.services import open_pathway, re_referral_for

logger = logging.getLogger(__name__)


def new_follow_up(pathway: Pathway):
    """An unsaved follow-up due `follow_up_day` days after the procedure, with its window (domain.md 8.1)."""

    rules = rule_values()
    procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    day = procedure.procedure_day if procedure else timezone.localdate()
    due = day + datetime.timedelta(days=int(rules["follow_up_day"]))
    baseline = workflow.stage_record(pathway, Stage.SUITABILITY)
    return FollowUp(
        pathway=pathway,
        # The same instrument as the baseline, so the change can be measured (domain.md 8.2).
        disability_instrument=baseline.disability_instrument if baseline else DisabilityInstrument.ODI,
        due_on=due,
        window_opens_on=due - datetime.timedelta(days=int(rules["follow_up_window_before_days"])),
        window_closes_on=due + datetime.timedelta(days=int(rules["follow_up_window_after_days"])),
    )


@transaction.atomic
def complete_follow_up(*, acting_user, pathway: Pathway) -> Pathway | None:
    """Gate G7, then close the pathway as completed. A re-referral opens a new pathway for the same
    patient (design.md 4: a new fracture is a new pathway), which is returned."""

    require_perm(acting_user, roles.RECORD_FOLLOW_UP)
    check_stage_open(pathway, Stage.FOLLOW_UP)
    if pathway.stage != Stage.FOLLOW_UP:
        raise workflow.WorkflowError("Only a pathway at follow-up can be completed.")
    reasons = follow_up_gates.gate_complete(pathway)
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


@transaction.atomic
def add_unscheduled_contact(*, acting_user, pathway: Pathway, contact: UnscheduledContact) -> UnscheduledContact:
    """Record a contact after discharge that is not the 4-week review (domain.md 8.1)."""
    require_perm(acting_user, roles.RECORD_FOLLOW_UP)
    check_stage_open(pathway, Stage.FOLLOW_UP)
    contact.pathway = pathway
    save_versioned(instance=contact, expected_version=None, acting_user=acting_user)
    logger.info("follow_up.unscheduled_contact pathway=%s user=%s", pathway.pk, acting_user.pk)
    return contact
