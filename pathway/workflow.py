"""THE pathway state machine (design.md section 4). Stage gating lives here and nowhere else.

- `TRANSITIONS` is the table of forward moves; `advance()` is the one guarded setter of
  `Pathway.current_stage`. `close()` and `reopen()` handle exit states; `return_to()` steps back.
- Each stage has a gate: a function returning the reasons the stage cannot yet be entered (empty list
  = open). A consultant may override a blocking gate with a written reason, except reasons marked
  not overridable (e.g. consent withdrawn: no one may treat without consent).
- Every movement writes a `StageTransition` row in the same transaction, with the pathway row locked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway.models import ExitState, Pathway, PathwayStatus, Stage, StageTransition


class Reason(str):
    """A human-readable reason a gate is closed. Compares equal to its text."""

    overridable: bool = True

    def __new__(cls, text: str, *, overridable: bool = True) -> Reason:
        obj = super().__new__(cls, text)
        obj.overridable = overridable
        return obj


class WorkflowError(Exception):
    """A refused movement; `reasons` are shown to the user as they are."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class GateClosed(WorkflowError):
    pass


# The transition table: from each stage, the stage it may advance to.
TRANSITIONS: dict[Stage, Stage] = {
    Stage.REFERRAL: Stage.SUITABILITY,
    Stage.SUITABILITY: Stage.MRI,
    Stage.MRI: Stage.PRE_ASSESSMENT,
    Stage.PRE_ASSESSMENT: Stage.CONSENT,
    Stage.CONSENT: Stage.PROCEDURE,
    Stage.PROCEDURE: Stage.RECOVERY,
    Stage.RECOVERY: Stage.FOLLOW_UP,
}

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
        return f"This pathway has not reached the {stage.label.lower()} yet."
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


# --- stage records --------------------------------------------------------------------------------

# The one-to-one record of each stage, by related_name on Pathway. Consent is held in the consent
# app (several per pathway: a withdrawn consent is followed by a new one), so it is looked up there.
STAGE_RECORD_NAME: dict[Stage, str] = {
    Stage.SUITABILITY: "suitability",
    Stage.MRI: "mri",
    Stage.PRE_ASSESSMENT: "pre_assessment",
    Stage.PROCEDURE: "procedure",
    Stage.RECOVERY: "recovery",
    Stage.FOLLOW_UP: "follow_up",
}


def stage_record(pathway: Pathway, stage: Stage):
    """The saved record of a stage, or None. The referral record is the pathway itself."""
    stage = Stage(stage)
    if stage == Stage.REFERRAL:
        return pathway
    if stage == Stage.CONSENT:
        return _current_consent(pathway)
    name = STAGE_RECORD_NAME[stage]
    try:
        return getattr(pathway, name)
    except (ObjectDoesNotExist, AttributeError):
        return None


def _current_consent(pathway: Pathway):
    try:
        from consent.selectors import current_consent
    except ImportError:  # the consent app has not been built yet
        return None
    return current_consent(pathway)


# --- gates ----------------------------------------------------------------------------------------


def _missing_record(pathway: Pathway, stage: Stage) -> list[Reason]:
    if stage_record(pathway, stage) is None:
        return [Reason(f"{Stage(stage).label} not yet recorded.")]
    return []


def gate_suitability(pathway: Pathway) -> list[Reason]:
    """G1 Referral -> triaged: NHS number, referral date, referrer and aetiology (domain.md 2.4)."""
    reasons: list[Reason] = []
    if not pathway.patient.nhs_number:
        reasons.append(Reason("The patient has no NHS number."))
    if not pathway.referral_received_on:
        reasons.append(Reason("The referral date is missing."))
    if not pathway.referrer_type or not pathway.referrer_organisation:
        reasons.append(Reason("The referrer is missing."))
    if not pathway.aetiology:
        reasons.append(Reason("The aetiology is missing."))
    return reasons


def gate_mri(pathway: Pathway) -> list[Reason]:
    return _missing_record(pathway, Stage.SUITABILITY)


def gate_pre_assessment(pathway: Pathway) -> list[Reason]:
    return _missing_record(pathway, Stage.MRI)


def gate_consent(pathway: Pathway) -> list[Reason]:
    return _missing_record(pathway, Stage.PRE_ASSESSMENT)


def gate_procedure(pathway: Pathway) -> list[Reason]:
    return [item.reason for item in ready_for_procedure(pathway) if not item.met]


def gate_recovery(pathway: Pathway) -> list[Reason]:
    return _missing_record(pathway, Stage.PROCEDURE)


def gate_follow_up(pathway: Pathway) -> list[Reason]:
    return _missing_record(pathway, Stage.RECOVERY)


def gate_complete(pathway: Pathway) -> list[Reason]:
    """G7 follow-up -> closed (domain.md 8.1)."""
    return _missing_record(pathway, Stage.FOLLOW_UP)


GATES: dict[Stage, Callable[[Pathway], list[Reason]]] = {
    Stage.SUITABILITY: gate_suitability,
    Stage.MRI: gate_mri,
    Stage.PRE_ASSESSMENT: gate_pre_assessment,
    Stage.CONSENT: gate_consent,
    Stage.PROCEDURE: gate_procedure,
    Stage.RECOVERY: gate_recovery,
    Stage.FOLLOW_UP: gate_follow_up,
}


def gate_reasons(pathway: Pathway, stage: Stage) -> list[Reason]:
    """Why `stage` cannot yet be entered (empty list = open)."""
    gate = GATES.get(Stage(stage))
    return gate(pathway) if gate else []


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    met: bool
    reason: Reason = field(default_factory=lambda: Reason(""))


def ready_for_procedure(pathway: Pathway) -> list[ChecklistItem]:
    """The ready-for-procedure checklist (design.md section 4), each unmet item in plain words."""
    items: list[ChecklistItem] = []
    for stage in (Stage.SUITABILITY, Stage.MRI, Stage.PRE_ASSESSMENT, Stage.CONSENT):
        missing = _missing_record(pathway, stage)
        items.append(
            ChecklistItem(
                label=f"{stage.label} recorded",
                met=not missing,
                reason=missing[0] if missing else Reason(""),
            )
        )
    return items


# --- movements ------------------------------------------------------------------------------------


def _lock(pathway: Pathway) -> Pathway:
    return Pathway.objects.select_for_update().select_related("patient").get(pk=pathway.pk)


def _save_state(locked: Pathway, acting_user, fields: list[str]) -> None:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked._history_user = acting_user
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _check_override(acting_user, reasons: list[Reason], override_reason: str) -> None:
    if not can_override(acting_user):
        raise GateClosed(reasons)
    hard = [r for r in reasons if not getattr(r, "overridable", True)]
    if hard:
        raise GateClosed(hard)
    if not override_reason.strip():
        raise WorkflowError("An override needs a written reason.")


@transaction.atomic
def open_pathway(*, pathway: Pathway, acting_user) -> Pathway:
    """Record the opening of a new (already saved) pathway at the referral stage."""
    StageTransition.objects.create(
        pathway=pathway, kind=StageTransition.Kind.OPEN, to_stage=Stage.REFERRAL, acting_user=acting_user
    )
    return pathway


@transaction.atomic
def advance(*, pathway: Pathway, to_stage: Stage, acting_user, override_reason: str = "") -> Pathway:
    """Move the pathway to `to_stage` if the transition table allows it and its gate is open.

    A blocked gate is refused with its reasons, unless a consultant overrides it with a reason.
    """
    locked = _lock(pathway)
    to_stage = Stage(to_stage)
    if not locked.is_open:
        raise WorkflowError("This pathway is closed; reopen it first.")
    if TRANSITIONS.get(locked.stage) != to_stage:
        raise WorkflowError(f"A pathway at {locked.stage.label.lower()} cannot move to {to_stage.label.lower()}.")
    if not can_advance(acting_user, locked):
        raise WorkflowError("You do not have permission to move this pathway on.")
    reasons = gate_reasons(locked, to_stage)
    overridden = bool(reasons)
    if reasons:
        _check_override(acting_user, reasons, override_reason)
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
def return_to(*, pathway: Pathway, to_stage: Stage, acting_user, reason: str) -> Pathway:
    """Step back to an earlier stage (e.g. re-imaging, or re-consent after the levels changed).

    A consultant's decision, with a reason; no gate applies to going back.
    """
    locked = _lock(pathway)
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
def close(*, pathway: Pathway, exit_state: ExitState, acting_user, reason: str) -> Pathway:
    """Close an open pathway with an exit state and reason (domain.md 1.1 exit states)."""
    locked = _lock(pathway)
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
def reopen(*, pathway: Pathway, acting_user, reason: str) -> Pathway:
    """A consultant reopens a closed pathway, with a reason, at the stage where it stopped."""
    locked = _lock(pathway)
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
