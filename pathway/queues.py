"""Collection filters over pathways used by the worklists, the pathway list and the dashboard.

Each filter is a function returning a `Q` (so it can also be a conditional aggregate's filter, as the
worklist counts are) and a `PathwayQuerySet` method of the same name (through `PathwayQueueMixin`).
Filters on a stage record are built from the model when that stage exists, looked up through
workflow.STAGE_RECORD_NAME, so they need no change as stages land.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q


def _stage():
    from pathway.models import Stage

    return Stage


def record_model(stage):
    """The model of a stage's one-to-one record, or None while that stage has not been built."""
    from pathway import workflow
    from pathway.models import Pathway

    name = workflow.STAGE_RECORD_NAME.get(_stage()(stage))
    if not name:
        return None
    try:
        return Pathway._meta.get_field(name).related_model
    except FieldDoesNotExist:
        return None


def record_exists(stage) -> Exists | None:
    """`Exists(...)` for "this pathway's record of `stage` is saved", or None if there is no model."""
    model = record_model(stage)
    if model is None:
        return None
    return Exists(model.objects.filter(pathway=OuterRef("pk")))


def without_record_q(stage) -> Q:
    """Pathways whose record of `stage` has not been saved (all of them while the model is absent)."""
    exists = record_exists(stage)
    return Q() if exists is None else ~Q(exists)


def at_stage_q(*stages) -> Q:
    Stage = _stage()
    return Q(current_stage__in=[Stage(s).value for s in stages])


def before_q(stage) -> Q:
    """At a stage earlier than `stage`."""
    Stage = _stage()
    return Q(current_stage__in=[s.value for s in Stage if s.index < Stage(stage).index])


def awaiting_decision_q() -> Q:
    """Open, and the current stage's record is saved but the pathway has not moved on: a gate is
    closed, or someone has to decide to move it on (or override, or close). Stages without a record
    model never match."""
    from pathway import workflow

    query = Q(pk__in=[])
    for stage in workflow.STAGE_RECORD_NAME:
        exists = record_exists(stage)
        if exists is not None:
            query |= Q(current_stage=stage) & Q(exists)
    return Q(status="open") & query


def rtt_waiting_q() -> Q:
    """Open pathways whose referral-to-treatment clock still runs. It stops at first definitive
    treatment, the vertebroplasty (RTT rules suite via domain.md 9 [R80]); pathways in recovery or
    follow-up have been treated."""
    Stage = _stage()
    return Q(status="open") & before_q(Stage.RECOVERY)


def rtt_breach_q(*, today: datetime.date, weeks: int) -> Q:
    """Still waiting for treatment `weeks` weeks or more after referral (18 weeks, [R80b])."""
    return rtt_waiting_q() & Q(referral_received_on__lte=today - datetime.timedelta(weeks=weeks))


def procedure_date_passed_q(*, today: datetime.date) -> Q:
    """Open, listed for a day already past, and not yet past the procedure stage."""
    Stage = _stage()
    return Q(status="open", planned_procedure_on__lt=today) & before_q(Stage.RECOVERY)


class PathwayQueueMixin:
    """The filters above as PathwayQuerySet methods."""

    def awaiting_decision(self):
        return self.filter(awaiting_decision_q())

    def rtt_waiting(self):
        return self.filter(rtt_waiting_q())

    def rtt_breached(self, *, today: datetime.date, weeks: int):
        return self.filter(rtt_breach_q(today=today, weeks=weeks))

    def procedure_date_passed(self, *, today: datetime.date):
        return self.filter(procedure_date_passed_q(today=today))
