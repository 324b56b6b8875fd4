"""Gates' vocabulary: the reasons a stage cannot yet be entered, the items of a checklist, and a
stage's saved record. Every stage's gates (pathway/<stage>/gates.py) speak it; workflow.py reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from accounts import roles
from pathway.core import providers
from pathway.core.choices import STAGE_RECORD_NAME, Stage, in_sentence
from pathway.core.models import Pathway, StageTransition


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


class StaleState(WorkflowError):
    """The pathway is no longer in the state the user saw (moved, closed or changed by someone, or by
    the same user's first click): nothing was changed."""


# --- one page, one judgement ------------------------------------------------------------------------
# A page showing a pathway asks the same questions several times (the timeline, the next gate, the
# ready-for-procedure checklist and the gate links each judge the consent and the checklist). Inside
# `page_reads()` (a read-only view, for the length of one request) each such question is answered once
# per pathway; outside it (every write, every service) nothing is remembered.

_page_memo: ContextVar[dict | None] = ContextVar("pathway_page_memo", default=None)


@contextmanager
def page_reads() -> Iterator[None]:
    token = _page_memo.set({})
    try:
        yield
    finally:
        _page_memo.reset(token)


def once_per_page(func):
    """Answer `func(pathway)` once per pathway inside `page_reads()`; a list answer is handed out as
    a fresh copy each time, so no caller can change what the next one reads."""

    @functools.wraps(func)
    def wrapper(pathway):
        memo = _page_memo.get()
        if memo is None or pathway.pk is None:
            return func(pathway)
        key = (func.__module__, func.__qualname__, pathway.pk)
        if key not in memo:
            memo[key] = func(pathway)
        answer = memo[key]
        return list(answer) if isinstance(answer, list) else answer

    return wrapper


# The day-of consent item (domain.md 5.8), named here so the sign in can find it among the consent
# app's items: there it is never overridden (domain.md 5.6; issue 14 item 2).
CONSENT_CONFIRMED_LABEL = "Consent confirmed on the day by the operator"


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    met: bool
    reason: Reason = field(default_factory=lambda: Reason(""))


def stage_record(pathway: Pathway, stage: Stage):
    """The saved record of a stage, or None. The referral record is the pathway itself."""
    stage = Stage(stage)
    if stage == Stage.REFERRAL:
        return pathway
    if stage == Stage.CONSENT:
        return providers.consent().current_consent(pathway)
    name = STAGE_RECORD_NAME[stage]
    try:
        record = getattr(pathway, name)
    except (ObjectDoesNotExist, AttributeError):
        return None
    # A form being filled in links an unsaved record to the pathway; it is not recorded yet.
    return record if record.pk is not None else None


def missing_record(pathway: Pathway, stage: Stage) -> list[Reason]:
    if stage_record(pathway, stage) is None:
        return [Reason(f"{Stage(stage).label} not yet recorded.")]
    return []


def unmet(items: list[ChecklistItem]) -> list[Reason]:
    return [item.reason for item in items if not item.met]


def checklist_item(label: str, reason: Reason | str | None) -> ChecklistItem:
    """A met item (reason None) or an unmet one; a plain string becomes an overridable Reason."""
    if reason is None:
        return ChecklistItem(label=label, met=True)
    return ChecklistItem(label=label, met=False, reason=reason if isinstance(reason, Reason) else Reason(reason))


def num(value) -> str:
    """1.50 -> '1.5', 50.00 -> '50'."""
    return f"{Decimal(value).normalize():f}"


def check_override(acting_user, reasons: list[Reason], override_reason: str) -> None:
    """Only a consultant may override, only reasons marked overridable, and only with a written reason."""
    if not acting_user.has_perm(roles.OVERRIDE_GATE):
        raise GateClosed(reasons)
    hard = [r for r in reasons if not getattr(r, "overridable", True)]
    if hard:
        raise GateClosed(hard)
    if not override_reason.strip():
        raise WorkflowError("An override needs a written reason.")


def stale_state_message(locked: Pathway) -> str:
    """What happened to a pathway since a page was opened, for a refused (stale) movement."""
    last = locked.transitions.select_related("acting_user").order_by("-at", "-id").first()
    if last is not None and (last.kind != StageTransition.Kind.OPEN):
        who = last.acting_user.get_full_name() or last.acting_user.get_username()
        when = timezone.localtime(last.at)
        if last.kind == StageTransition.Kind.CLOSE:
            what = f"closed it ({last.get_exit_state_display().lower()})"
        elif last.kind == StageTransition.Kind.REOPEN:
            what = "reopened it"
        else:
            what = f"moved it to {in_sentence(Stage(last.to_stage).label)}"
        return (
            f"Nothing was changed: {who} {what} at {when:%H:%M} on {when:%-d %b %Y}, after this page was "
            "opened. The page now shows the pathway as it is."
        )
    return "Nothing was changed: the pathway was updated after this page was opened. The page now shows it as it is."
