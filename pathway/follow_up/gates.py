"""Follow-up's gate: G7, follow-up -> closed (domain.md 8.1)."""

from __future__ import annotations

from django.utils import timezone

from pathway.core.choices import Stage
from pathway.core.gating import (
    Reason,
    missing_record,
    stage_record,
)
from pathway.core.models import Pathway
from pathway.follow_up.models import FollowUpOutcome


def window_reasons(follow_up) -> list[Reason]:
    """domain.md 8.1: the 4-week review is due follow_up_day days after the procedure, in a window of
    -follow_up_window_before_days/+follow_up_window_after_days (rules, fixed at the discharge). Before
    the window opens it cannot be completed: an early contact is an unscheduled contact instead."""
    today = timezone.localdate()
    opens = follow_up.window_opens_on
    if today < opens:
        return [
            Reason(
                f"The follow-up window opens on {opens:%-d %b %Y}: the 4-week review cannot be completed before "
                "then. Record an earlier contact as an unscheduled contact.",
                overridable=False,
            )
        ]
    if follow_up.reviewed_on and follow_up.reviewed_on < opens:
        return [
            Reason(
                f"The review date {follow_up.reviewed_on:%-d %b %Y} is before the follow-up window opened on "
                f"{opens:%-d %b %Y}: record that contact as an unscheduled contact.",
                overridable=False,
            )
        ]
    return []


def completion_reasons(pathway: Pathway) -> list[Reason]:
    """G7 (domain.md 8.1): the 4-week review recorded with pain, ODI, analgesia, new fractures and
    complications; bone health confirmed; an outcome chosen, and a new fracture re-referred."""

    follow_up = stage_record(pathway, Stage.FOLLOW_UP)
    if follow_up is None:
        return missing_record(pathway, Stage.FOLLOW_UP)
    reasons: list[Reason] = window_reasons(follow_up)
    if not follow_up.reviewed_on:
        reasons.append(Reason("The date of the follow-up review is not recorded."))
    if follow_up.pain_rest is None or follow_up.pain_activity is None:
        reasons.append(Reason("Pain now, at rest and on activity, is not recorded."))
    disability = follow_up.disability_missing()
    if disability:
        reasons.append(Reason(disability))
    if not follow_up.analgesic_use:
        reasons.append(Reason("Analgesic use is not recorded."))
    if follow_up.new_fracture is None:
        reasons.append(Reason("Whether there has been a new fracture is not recorded."))
    if follow_up.complications_since_discharge is None:
        reasons.append(Reason("Whether there have been complications since discharge is not recorded."))
    if not follow_up.bone_health_confirmed:
        reasons.append(Reason("The bone-health plan is not confirmed."))
    if not follow_up.outcome:
        reasons.append(Reason("The outcome (discharge or re-referral) is not chosen."))
    elif follow_up.new_fracture and follow_up.outcome == FollowUpOutcome.DISCHARGED:
        reasons.append(Reason("A new fracture was reported: re-refer the patient instead of discharging."))
    return reasons


def gate_complete(pathway: Pathway) -> list[Reason]:
    """G7 follow-up -> closed (domain.md 8.1); see completion_reasons."""
    return completion_reasons(pathway)
