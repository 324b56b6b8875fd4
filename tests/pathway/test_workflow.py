"""The workflow engine: every transition edge, refusal, override, close, reopen and return."""

import itertools

import pytest

from pathway import workflow
from pathway.core.choices import in_sentence
from pathway.core.gating import GateClosed, Reason, WorkflowError
from pathway.models import ExitState, Stage, StageTransition
from tests.factories import PathwayFactory

pytestmark = pytest.mark.django_db

EDGES = list(workflow.TRANSITIONS.items())
NON_EDGES = [(a, b) for a, b in itertools.product(Stage, Stage) if workflow.TRANSITIONS.get(a) != b]


@pytest.fixture
def open_gates(monkeypatch):
    """Every gate open, to test the movement mechanics on their own."""
    monkeypatch.setattr(workflow, "GATES", {stage: (lambda pathway: []) for stage in Stage})


@pytest.fixture
def closed_gates(monkeypatch):
    def closed(pathway):
        return [Reason("Something is missing."), Reason("Another thing is missing.")]

    monkeypatch.setattr(workflow, "GATES", dict.fromkeys(Stage, closed))


def test_transition_table_covers_the_pathway_in_order():
    assert [a for a, _ in EDGES] == list(Stage)[:-1]
    assert all(b.index == a.index + 1 for a, b in EDGES)


@pytest.mark.parametrize(("from_stage", "to_stage"), EDGES, ids=[f"{a}->{b}" for a, b in EDGES])
def test_every_edge_advances_and_is_logged(open_gates, consultant, from_stage, to_stage):
    pathway = PathwayFactory(current_stage=from_stage)
    moved = workflow.advance(pathway=pathway, to_stage=to_stage, acting_user=consultant)
    moved.refresh_from_db()
    assert moved.current_stage == to_stage
    row = StageTransition.objects.get(pathway=pathway)
    assert (row.kind, row.from_stage, row.to_stage, row.acting_user, row.overridden) == (
        "advance",
        from_stage,
        to_stage,
        consultant,
        False,
    )
    assert moved.version == pathway.version + 1


@pytest.mark.parametrize(("from_stage", "to_stage"), NON_EDGES, ids=[f"{a}->{b}" for a, b in NON_EDGES])
def test_every_other_move_is_refused(open_gates, consultant, from_stage, to_stage):
    pathway = PathwayFactory(current_stage=from_stage)
    with pytest.raises(WorkflowError) as exc:
        workflow.advance(pathway=pathway, to_stage=to_stage, acting_user=consultant)
    # Stage names inside a sentence keep their acronyms ("MRI review", issue 16).
    at, to = in_sentence(from_stage.label), in_sentence(to_stage.label)
    assert exc.value.reasons == [f"A pathway at {at} cannot move to {to}."]
    pathway.refresh_from_db()
    assert pathway.current_stage == from_stage
    assert not StageTransition.objects.filter(pathway=pathway).exists()


@pytest.mark.parametrize(
    ("role", "from_stage", "allowed"),
    [
        ("Radiologist", Stage.SUITABILITY, True),
        ("Nurse", Stage.SUITABILITY, False),
        ("Nurse", Stage.MRI, True),  # the nurse takes up the pre-assessment
        ("Radiologist", Stage.PRE_ASSESSMENT, False),  # neither pre-assessment nor consent is theirs
        ("Consultant", Stage.PRE_ASSESSMENT, True),
        ("Manager", Stage.REFERRAL, False),
        ("Manager", Stage.MRI, False),
    ],
)
def test_who_may_move_a_pathway_on(open_gates, make_user, role, from_stage, allowed):
    user = make_user(role)
    pathway = PathwayFactory(current_stage=from_stage)
    target = workflow.next_stage(from_stage)
    if allowed:
        workflow.advance(pathway=pathway, to_stage=target, acting_user=user)
    else:
        with pytest.raises(WorkflowError, match="You do not have permission to move this pathway on."):
            workflow.advance(pathway=pathway, to_stage=target, acting_user=user)


def test_closed_gate_refuses_with_its_reasons(closed_gates, radiologist):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    with pytest.raises(GateClosed) as exc:
        workflow.advance(pathway=pathway, to_stage=Stage.MRI, acting_user=radiologist)
    assert exc.value.reasons == ["Something is missing.", "Another thing is missing."]
    assert not StageTransition.objects.filter(pathway=pathway).exists()


def test_consultant_overrides_with_a_written_reason(closed_gates, consultant):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    workflow.advance(
        pathway=pathway, to_stage=Stage.MRI, acting_user=consultant, override_reason="  Urgent: cord at risk.  "
    )
    pathway.refresh_from_db()
    assert pathway.current_stage == Stage.MRI
    row = StageTransition.objects.get(pathway=pathway)
    assert row.overridden is True
    assert row.reason == "Urgent: cord at risk."
    assert row.overridden_reasons == ["Something is missing.", "Another thing is missing."]


def test_override_needs_a_reason(closed_gates, consultant):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    with pytest.raises(WorkflowError, match="An override needs a written reason."):
        workflow.advance(pathway=pathway, to_stage=Stage.MRI, acting_user=consultant, override_reason="  ")


def test_only_a_consultant_may_override(closed_gates, radiologist):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    with pytest.raises(GateClosed):
        workflow.advance(pathway=pathway, to_stage=Stage.MRI, acting_user=radiologist, override_reason="Because.")


def test_hard_reasons_cannot_be_overridden(monkeypatch, consultant):
    hard = Reason("Allergy to bone cement (PMMA) is recorded.", overridable=False)
    monkeypatch.setattr(workflow, "GATES", {stage: (lambda p: [hard, Reason("Soft.")]) for stage in Stage})
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)
    with pytest.raises(GateClosed) as exc:
        workflow.advance(pathway=pathway, to_stage=Stage.CONSENT, acting_user=consultant, override_reason="Sure.")
    assert exc.value.reasons == ["Allergy to bone cement (PMMA) is recorded."]


@pytest.mark.parametrize("exit_state", workflow.CLINICAL_EXITS)
def test_close_with_every_exit_state_and_reopen(consultant, exit_state):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    workflow.close(pathway=pathway, exit_state=exit_state, acting_user=consultant, reason="Recorded reason.")
    pathway.refresh_from_db()
    assert (pathway.status, pathway.exit_state, pathway.exit_reason) == ("closed", exit_state, "Recorded reason.")
    with pytest.raises(WorkflowError, match="This pathway is closed; reopen it first."):
        workflow.advance(pathway=pathway, to_stage=Stage.PRE_ASSESSMENT, acting_user=consultant)
    workflow.reopen(pathway=pathway, acting_user=consultant, reason="New information from the GP.")
    pathway.refresh_from_db()
    assert (pathway.status, pathway.exit_state, pathway.current_stage) == ("open", "", Stage.MRI)
    kinds = list(StageTransition.objects.filter(pathway=pathway).values_list("kind", "exit_state", "reason"))
    assert kinds == [
        ("close", exit_state, "Recorded reason."),
        ("reopen", exit_state, "New information from the GP."),
    ]


@pytest.mark.parametrize(
    ("role", "message"),
    [("Radiologist", None), ("Nurse", None), ("Manager", "You do not have permission to close this pathway.")],
)
def test_who_may_close(make_user, role, message):
    user = make_user(role)
    pathway = PathwayFactory()
    if message:
        with pytest.raises(WorkflowError, match=message):
            workflow.close(pathway=pathway, exit_state=ExitState.DECEASED, acting_user=user, reason="x")
    else:
        workflow.close(pathway=pathway, exit_state=ExitState.DECEASED, acting_user=user, reason="x")


def test_close_needs_a_reason(nurse):
    with pytest.raises(WorkflowError, match="Closing a pathway needs a reason."):
        workflow.close(pathway=PathwayFactory(), exit_state=ExitState.PATIENT_DECLINED, acting_user=nurse, reason="")


@pytest.mark.parametrize("role", ["Radiologist", "Nurse", "Manager"])
def test_only_a_consultant_may_reopen(make_user, consultant, role):
    pathway = PathwayFactory()
    workflow.close(pathway=pathway, exit_state=ExitState.DECEASED, acting_user=consultant, reason="x")
    with pytest.raises(WorkflowError, match="Only a consultant may reopen a pathway."):
        workflow.reopen(pathway=pathway, acting_user=make_user(role), reason="Mistake.")


def test_reopen_needs_a_reason_and_a_closed_pathway(consultant):
    pathway = PathwayFactory()
    with pytest.raises(WorkflowError, match="This pathway is already open."):
        workflow.reopen(pathway=pathway, acting_user=consultant, reason="x")
    workflow.close(pathway=pathway, exit_state=ExitState.DECEASED, acting_user=consultant, reason="x")
    with pytest.raises(WorkflowError, match="Reopening a pathway needs a reason."):
        workflow.reopen(pathway=pathway, acting_user=consultant, reason=" ")


def test_return_to_an_earlier_stage(consultant, radiologist):
    pathway = PathwayFactory(current_stage=Stage.CONSENT)
    with pytest.raises(WorkflowError, match="Only a consultant may return a pathway to an earlier stage."):
        workflow.return_to(pathway=pathway, to_stage=Stage.MRI, acting_user=radiologist, reason="Re-image.")
    with pytest.raises(WorkflowError, match="A pathway can only return to an earlier stage."):
        workflow.return_to(pathway=pathway, to_stage=Stage.PROCEDURE, acting_user=consultant, reason="x")
    with pytest.raises(WorkflowError, match="Returning to an earlier stage needs a reason."):
        workflow.return_to(pathway=pathway, to_stage=Stage.MRI, acting_user=consultant, reason="")
    workflow.return_to(pathway=pathway, to_stage=Stage.MRI, acting_user=consultant, reason="New fracture at L2.")
    pathway.refresh_from_db()
    assert pathway.current_stage == Stage.MRI
    row = StageTransition.objects.get(pathway=pathway)
    assert (row.from_stage, row.to_stage, row.reason) == (Stage.CONSENT, Stage.MRI, "New fracture at L2.")


def test_timeline_marks_stages(open_gates, reference_data):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    states = [s.state for s in workflow.timeline(pathway)]
    assert states == ["done", "done", "in progress"] + ["not started"] * 5


def test_advance_through_http_shows_reasons(client, radiologist, reference_data):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    client.force_login(radiologist)
    response = client.post(f"/pathways/{pathway.pk}/advance/", follow=True)
    assert "Suitability assessment not yet recorded." in response.content.decode()
    pathway.refresh_from_db()
    assert pathway.current_stage == Stage.SUITABILITY
