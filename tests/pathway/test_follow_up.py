"""Follow-up: due and overdue, the completion gate (G7), completing closes the pathway or re-refers
the patient on a new one, the pain change against the suitability baseline, and who may complete a
follow-up over HTTP."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pathway.core.gating import WorkflowError
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up import services as follow_up_services
from pathway.models import ExitState, FollowUp, Pathway, Stage
from tests.factories import FollowUpFactory
from tests.pathway.day_helpers import DAY_ACTION_ARGNAMES, check_day_action, day_action_params

pytestmark = pytest.mark.django_db


# --- due and overdue --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in_days", "status"),
    [(8, "not yet due"), (7, "due"), (0, "due"), (-14, "due"), (-15, "overdue")],
)
def test_follow_up_due_and_overdue(reference_data, due_in_days, status):
    today = timezone.localdate()
    follow_up = FollowUpFactory(due_on=today + datetime.timedelta(days=due_in_days))
    assert follow_up.status_on(today) == status
    assert FollowUp.objects.overdue(today).exists() is (status == "overdue")
    assert FollowUp.objects.due(today).exists() is (status == "due")
    assert FollowUp.objects.not_yet_due(today).exists() is (status == "not yet due")


def test_overdue_excludes_done_and_closed(reference_data):
    today = timezone.localdate()
    late = today - datetime.timedelta(days=30)
    FollowUpFactory(due_on=late, completed_at=timezone.now())
    closed = FollowUpFactory(due_on=late)
    Pathway.objects.filter(pk=closed.pathway_id).update(status="closed", exit_state=ExitState.DECEASED)
    overdue = FollowUpFactory(due_on=late)
    assert list(FollowUp.objects.overdue(today)) == [overdue]


# --- completion (G7) and re-referral ----------------------------------------------------------


def test_completion_gate_lists_what_is_missing(reference_data):
    follow_up = FollowUpFactory()
    assert follow_up_gates.gate_complete(follow_up.pathway) == [
        "The date of the follow-up review is not recorded.",
        "Pain now, at rest and on activity, is not recorded.",
        "The Oswestry Disability Index needs at least 8 of its 10 sections.",
        "Analgesic use is not recorded.",
        "Whether there has been a new fracture is not recorded.",
        "Whether there have been complications since discharge is not recorded.",
        "The bone-health plan is not confirmed.",
        "The outcome (discharge or re-referral) is not chosen.",
    ]


def test_a_new_fracture_must_be_re_referred(reference_data):
    follow_up = FollowUpFactory(recorded=True, new_fracture=True, new_fracture_details="L2, last week")
    assert follow_up_gates.gate_complete(follow_up.pathway) == [
        "A new fracture was reported: re-refer the patient instead of discharging."
    ]


def test_completing_closes_the_pathway(reference_data, nurse):
    follow_up = FollowUpFactory(recorded=True)
    assert follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway) is None
    pathway = Pathway.objects.get(pk=follow_up.pathway_id)
    assert (pathway.status, pathway.exit_state) == ("closed", ExitState.COMPLETED)
    follow_up.refresh_from_db()
    assert follow_up.completed_by == nurse
    assert follow_up.odi.percent == Decimal("17.8")  # 8 of 45


def test_re_referral_opens_a_new_pathway_for_the_same_patient(reference_data, nurse, consultant):
    follow_up = FollowUpFactory(
        recorded=True,
        new_fracture=True,
        new_fracture_details="L2, 2 weeks ago",
        outcome="re_referred",
        outcome_notes="New painful L2 fracture.",
    )
    with pytest.raises(WorkflowError, match="Only a radiologist or consultant can re-refer"):
        follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway)
    new = follow_up_services.complete_follow_up(acting_user=consultant, pathway=follow_up.pathway)
    assert new.patient_id == follow_up.pathway.patient_id
    assert new.is_open and new.stage == Stage.REFERRAL
    follow_up.refresh_from_db()
    assert follow_up.re_referral == new
    assert Pathway.objects.get(pk=follow_up.pathway_id).exit_state == ExitState.COMPLETED


def test_pain_change_against_suitability(reference_data):
    from tests.factories import SuitabilityAssessmentFactory

    follow_up = FollowUpFactory(recorded=True)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway, pain_score=8)
    change = FollowUp.objects.get(pk=follow_up.pk).pain_change
    assert (change.baseline, change.now, change.change) == (8, 3, -5)


# --- over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(DAY_ACTION_ARGNAMES, day_action_params("pathway:follow_up_complete"), indirect=["persona"])
def test_day_actions_by_role(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona):
    check_day_action(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona)
