"""The pathway, read top to bottom (design.md section 4).

1. `TABLE`: the stages in order, each forward move with the gate that must be open to make it. A gate
   is a function returning the reasons the move cannot yet be made (empty list = open); each lives
   with the stage it judges (pathway/<stage>/gates.py) and is registered here. The consent items of
   the ready-for-procedure gate come from the consent app (pathway.core.providers).
2. `STAGE_PERMISSION`: who may record each stage.
3. The movements: `advance()` is the one guarded setter of `Pathway.current_stage`; `return_to()`
   steps back, `close()` and `reopen()` handle exit states. Each locks the pathway row and writes a
   `StageTransition` row in the same transaction. A consultant may override a blocking gate with a
   written reason, except reasons marked not overridable (nobody treats without a valid consent).
4. `timeline()`: what the pathway page shows of each stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway.core.choices import ExitState, Stage, in_sentence
from pathway.core.gating import (
    GateClosed,
    Reason,
    StaleState,
    WorkflowError,
    check_override,
    stage_record,
    stale_state_message,
)
from pathway.core.models import Pathway, PathwayStatus, StageTransition, lock_pathway
from pathway.follow_up.gates import gate_complete
from pathway.mri.gates import gate_pre_assessment
from pathway.pre_assessment.gates import gate_consent
from pathway.procedure.gates import gate_procedure, gate_recovery
from pathway.recovery.gates import gate_follow_up
from pathway.referral.gates import gate_suitability
from pathway.suitability.gates import gate_mri

__all__ = ["GateClosed", "Reason", "StaleState", "WorkflowError", "stage_record"]  # the gates' vocabulary, for callers

Gate = Callable[[Pathway], list[Reason]]


@dataclass(frozen=True)
class Move:
    source: Stage
    target: Stage
    gate: Gate


# The transition table: from each stage, the next one, and the gate (domain.md 2.4 G1-G6).
TABLE: tuple[Move, ...] = (
    Move(Stage.REFERRAL, Stage.SUITABILITY, gate_suitability),  # G1 the referral is complete
    Move(Stage.SUITABILITY, Stage.MRI, gate_mri),  # the assessment allows imaging
    Move(Stage.MRI, Stage.PRE_ASSESSMENT, gate_pre_assessment),  # G2 suitable, unhealed concordant fracture
    Move(Stage.PRE_ASSESSMENT, Stage.CONSENT, gate_consent),  # G3 bloods, ECG, anticoagulant plan
    Move(Stage.CONSENT, Stage.PROCEDURE, gate_procedure),  # G4 ready for procedure, consent valid
    Move(Stage.PROCEDURE, Stage.RECOVERY, gate_recovery),  # G5 sign out complete
    Move(Stage.RECOVERY, Stage.FOLLOW_UP, gate_follow_up),  # G6 discharge criteria (the discharge itself)
)
# Follow-up -> closed (G7) is close(..., COMPLETED), gated by pathway.follow_up.gates.gate_complete.

TRANSITIONS: dict[Stage, Stage] = {move.source: move.target for move in TABLE}
GATES: dict[Stage, Gate] = {move.target: move.gate for move in TABLE}

# Who may record each stage's form (design.md section 1).
STAGE_PERMISSION: dict[Stage, str] = {
    Stage.REFERRAL: roles.RECORD_REFERRAL,
    Stage.SUITABILITY: roles.RECORD_SUITABILITY,
    Stage.MRI: roles.RECORD_MRI,
    Stage.PRE_ASSESSMENT: roles.RECORD_PRE_ASSESSMENT,
    Stage.CONSENT: roles.RECORD_CONSENT,
    Stage.PROCEDURE: roles.RECORD_PROCEDURE,
    Stage.RECOVERY: roles.RECORD_RECOVERY,
    Stage.FOLLOW_UP: roles.RECORD_FOLLOW_UP,
}

# Exit states a clinician may choose; COMPLETED is reached only through `complete()`.
CLINICAL_EXITS = [state for state in ExitState if state != ExitState.COMPLETED]


def next_stage(stage: Stage) -> Stage | None:
    return TRANSITIONS.get(Stage(stage))


def can_record(user, stage: Stage) -> bool:
    return user.has_perm(STAGE_PERMISSION[Stage(stage)])


def recording_refusal(pathway: Pathway, stage: Stage) -> str | None:
    """Why a stage's form cannot be saved now, or None. A stage is recorded once the pathway has
    reached it; earlier stages stay correctable (e.g. repeat bloods) while the pathway is open."""
    stage = Stage(stage)
    if not pathway.is_open:
        return "This pathway is closed; a consultant must reopen it before anything is recorded."
    if stage.index > pathway.stage.index:
        return f"This pathway has not reached the {in_sentence(stage.label)} yet."
    return None


def can_advance(user, pathway: Pathway) -> bool:
    """The person finishing a stage, or the one taking up the next, may move the pathway on."""
    target = next_stage(pathway.stage)
    if not pathway.is_open or target is None:
        return False
    return can_record(user, pathway.stage) or can_record(user, target)


def can_override(user) -> bool:
    return user.has_perm(roles.OVERRIDE_GATE)


def can_close(user, pathway: Pathway) -> bool:
    return pathway.is_open and user.has_perm(roles.CLOSE_PATHWAY)


def can_reopen(user, pathway: Pathway) -> bool:
    return not pathway.is_open and user.has_perm(roles.REOPEN_PATHWAY)


def gate_reasons(pathway: Pathway, stage: Stage) -> list[Reason]:
    """Why `stage` cannot yet be entered (empty list = open)."""
    gate = GATES.get(Stage(stage))
    return gate(pathway) if gate else []


# --- movements ------------------------------------------------------------------------------------


def _lock(pathway: Pathway, expected_stage: Stage | None = None, expected_version: int | None = None) -> Pathway:
    """Lock the pathway row, then refuse (StaleState, nothing changed) if it is not in the state the
    user saw: a second click, a resubmit or someone else's move since the page was opened."""
    locked = lock_pathway(pathway)
    moved = expected_stage is not None and locked.current_stage != Stage(expected_stage)
    changed = expected_version is not None and locked.version != expected_version
    if moved or changed:
        raise StaleState(stale_state_message(locked))
    return locked


def _save_state(locked: Pathway, acting_user, fields: list[str]) -> None:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked._history_user = acting_user
    locked.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def open_pathway(*, pathway: Pathway, acting_user) -> Pathway:
    """Record the opening of a new (already saved) pathway at the referral stage."""
    StageTransition.objects.create(
        pathway=pathway, kind=StageTransition.Kind.OPEN, to_stage=Stage.REFERRAL, acting_user=acting_user
    )
    return pathway


@transaction.atomic
def advance(
    *,
    pathway: Pathway,
    to_stage: Stage,
    acting_user,
    override_reason: str = "",
    expected_stage: Stage | None = None,
    expected_version: int | None = None,
) -> Pathway:
    """Move the pathway to `to_stage` if the transition table allows it and its gate is open.

    A blocked gate is refused with its reasons, unless a consultant overrides it with a reason. With
    `expected_stage`/`expected_version` (what the user saw), a pathway that has moved on is left as
    it is (StaleState): a replayed advance is never a second move, and never an override.
    """
    locked = _lock(pathway, expected_stage, expected_version)
    to_stage = Stage(to_stage)
    if not locked.is_open:
        raise WorkflowError("This pathway is closed; reopen it first.")
    if TRANSITIONS.get(locked.stage) != to_stage:
        raise WorkflowError(
            f"A pathway at {in_sentence(locked.stage.label)} cannot move to {in_sentence(to_stage.label)}."
        )
    if not can_advance(acting_user, locked):
        raise WorkflowError("You do not have permission to move this pathway on.")
    reasons = gate_reasons(locked, to_stage)
    overridden = bool(reasons)
    if reasons:
        check_override(acting_user, reasons, override_reason)
    from_stage = locked.current_stage
    locked.current_stage = to_stage
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=from_stage,
        to_stage=to_stage,
        acting_user=acting_user,
        reason=override_reason.strip() if overridden else "",
        overridden=overridden,
        overridden_reasons=[str(r) for r in reasons],
    )
    return locked


@transaction.atomic
def return_to(
    *,
    pathway: Pathway,
    to_stage: Stage,
    acting_user,
    reason: str,
    expected_stage: Stage | None = None,
    expected_version: int | None = None,
) -> Pathway:
    """Step back to an earlier stage (e.g. re-imaging, or re-consent after the levels changed).

    A consultant's decision, with a reason; no gate applies to going back.
    """
    locked = _lock(pathway, expected_stage, expected_version)
    to_stage = Stage(to_stage)
    if not locked.is_open:
        raise WorkflowError("This pathway is closed; reopen it first.")
    if to_stage.index >= locked.stage.index:
        raise WorkflowError("A pathway can only return to an earlier stage.")
    if not can_override(acting_user):
        raise WorkflowError("Only a consultant may return a pathway to an earlier stage.")
    if not reason.strip():
        raise WorkflowError("Returning to an earlier stage needs a reason.")
    from_stage = locked.current_stage
    locked.current_stage = to_stage
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=from_stage,
        to_stage=to_stage,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def consent_withdrawn(*, pathway: Pathway, acting_user, reason: str) -> Pathway:
    """Consent withdrawn before the procedure while the pathway waits at the procedure stage: it
    steps back to consent at once (no override needed: nobody treats without consent), so the
    procedure gate applies again and the consent worklist shows it (domain.md 5.7)."""
    locked = _lock(pathway)
    if not locked.is_open or locked.stage != Stage.PROCEDURE:
        return locked
    locked.current_stage = Stage.CONSENT
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=Stage.PROCEDURE,
        to_stage=Stage.CONSENT,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def close(
    *,
    pathway: Pathway,
    exit_state: ExitState,
    acting_user,
    reason: str,
    expected_stage: Stage | None = None,
    expected_version: int | None = None,
) -> Pathway:
    """Close an open pathway with an exit state and reason (domain.md 1.1 exit states)."""
    locked = _lock(pathway, expected_stage, expected_version)
    exit_state = ExitState(exit_state)
    if not locked.is_open:
        raise WorkflowError("This pathway is already closed.")
    if not locked.is_open or not acting_user.has_perm(roles.CLOSE_PATHWAY):
        raise WorkflowError("You do not have permission to close this pathway.")
    if exit_state == ExitState.COMPLETED:
        if locked.stage != Stage.FOLLOW_UP:
            raise WorkflowError("Only a pathway at follow-up can be completed.")
        reasons = gate_complete(locked)
        if reasons:
            raise GateClosed(reasons)
    elif not reason.strip():
        raise WorkflowError("Closing a pathway needs a reason.")
    return _close(locked, exit_state, acting_user, reason)


def _close(locked: Pathway, exit_state: ExitState, acting_user, reason: str) -> Pathway:
    locked.status = PathwayStatus.CLOSED
    locked.exit_state = exit_state
    locked.exit_reason = reason.strip()
    locked.closed_at = timezone.now()
    _save_state(locked, acting_user, ["status", "exit_state", "exit_reason", "closed_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.CLOSE,
        from_stage=locked.current_stage,
        exit_state=exit_state,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def reopen(
    *,
    pathway: Pathway,
    acting_user,
    reason: str,
    expected_stage: Stage | None = None,
    expected_version: int | None = None,
) -> Pathway:
    """A consultant reopens a closed pathway, with a reason, at the stage where it stopped."""
    locked = _lock(pathway, expected_stage, expected_version)
    if locked.is_open:
        raise WorkflowError("This pathway is already open.")
    if not acting_user.has_perm(roles.REOPEN_PATHWAY):
        raise WorkflowError("Only a consultant may reopen a pathway.")
    if not reason.strip():
        raise WorkflowError("Reopening a pathway needs a reason.")
    previous_exit = locked.exit_state
    locked.status = PathwayStatus.OPEN
    locked.exit_state = ""
    locked.exit_reason = ""
    locked.closed_at = None
    _save_state(locked, acting_user, ["status", "exit_state", "exit_reason", "closed_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.REOPEN,
        to_stage=locked.current_stage,
        exit_state=previous_exit,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


# --- what the pathway page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class StageState:
    stage: Stage
    state: str  # "done", "in progress", "blocked", "not started", "stopped"
    reasons: list[Reason]
    entered_at: object = None

    @property
    def css(self) -> str:
        return {
            "done": "success",
            "in progress": "primary",
            "blocked": "warning",
            "stopped": "secondary",
            "not started": "light",
        }[self.state]


def timeline(pathway: Pathway) -> list[StageState]:
    """Each stage marked done, in progress, blocked or not started, with the blocking reasons."""
    current = pathway.stage
    states: list[StageState] = []
    for stage in Stage:
        if stage.index < current.index:
            states.append(StageState(stage, "done", []))
        elif stage == current:
            if not pathway.is_open:
                done = pathway.exit_state == ExitState.COMPLETED
                states.append(StageState(stage, "done" if done else "stopped", []))
                continue
            target = next_stage(stage)
            reasons = gate_reasons(pathway, target) if target else gate_complete(pathway)
            recorded = stage_record(pathway, stage) is not None
            state = "blocked" if (recorded and reasons) else "in progress"
            states.append(StageState(stage, state, reasons, pathway.stage_entered_at))
        else:
            states.append(StageState(stage, "not started", []))
    return states
