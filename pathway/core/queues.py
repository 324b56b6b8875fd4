"""Collection filters over pathways used by the worklists, the pathway list and the dashboard.

Each filter is a function returning a `Q` (so it can also be a conditional aggregate's filter, as the
worklist counts are) and a `PathwayQuerySet` method of the same name (through `PathwayQueueMixin`).
Filters on a stage record are built from the model when that stage exists, looked up through
STAGE_RECORD_NAME.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Exact

from pathway.core.choices import STAGE_RECORD_NAME, Stage


def record_model(stage):
    """The model of a stage's one-to-one record, or None for a stage without one."""
    name = STAGE_RECORD_NAME.get(Stage(stage))
    if not name:
        return None
    try:
        return apps.get_model("pathway", "Pathway")._meta.get_field(name).related_model
    except FieldDoesNotExist:
        return None


def record_exists(stage) -> Exists | None:
    """`Exists(...)` for "this pathway's record of `stage` is saved", or None if there is no model."""
    model = record_model(stage)
    if model is None:
        return None
    return Exists(model.objects.filter(pathway=OuterRef("pk")))


def has_record_q(stage) -> Q | None:
    """Pathways whose record of `stage` is saved, or None while the model is absent.

    A correlated EXISTS: in a WHERE clause PostgreSQL turns it into a (anti) join probing the record's
    unique `pathway_id` index. (`id IN (SELECT pathway_id ...)` hashed the whole record table, 80,000
    rows or more, for every list at 100,000 pathways; a `NOT IN` over a list larger than work_mem is
    rescanned row by row.)"""
    exists = record_exists(stage)
    return None if exists is None else Q(exists)


def without_record_q(stage) -> Q:
    """Pathways whose record of `stage` has not been saved (all of them while the model is absent)."""
    has = has_record_q(stage)
    return Q() if has is None else ~has


def at_stage_q(*stages) -> Q:
    return Q(current_stage__in=[Stage(s).value for s in stages])


def before_q(stage) -> Q:
    """At a stage earlier than `stage`."""
    return Q(current_stage__in=[s.value for s in Stage if s.index < Stage(stage).index])


# The stages whose record, once saved, means the next move is a decision. Later stages' records are
# created as the day unfolds (the procedure at sign in, recovery on arrival, the follow-up at
# discharge), so their existence says nothing about a pending decision.
DECISION_STAGES = ("suitability", "mri", "pre_assessment")


def awaiting_decision_q() -> Q:
    """Open, and the current stage's record is saved but the pathway has not moved on: a gate is
    closed, or someone has to decide to move it on (or override, or close). Stages without a record
    model never match.

    Each EXISTS also tests the outer pathway's stage inside it: PostgreSQL then probes the record's
    index only for pathways at that stage, and stops at a list's first rows, instead of hashing all
    three record tables (80,000 rows each at 100,000 pathways) before returning anything."""
    query = Q(pk__in=[])
    for stage in DECISION_STAGES:
        query |= awaiting_decision_at_q(stage)
    return Q(status="open") & query


def awaiting_decision_at_q(stage) -> Q:
    """At `stage` (one of DECISION_STAGES) with its record saved; never matches while the stage has
    no record model."""
    model = record_model(stage)
    if model is None:
        return Q(pk__in=[])
    records = model.objects.filter(pathway=OuterRef("pk")).filter(Exact(OuterRef("current_stage"), stage))
    return Q(current_stage=stage) & Q(Exists(records))


def rtt_waiting_q() -> Q:
    """Open pathways whose referral-to-treatment clock still runs. It stops at first definitive
    treatment, the vertebroplasty (RTT rules suite via domain.md 9 [R80]); pathways in recovery or
    follow-up have been treated."""
    return Q(status="open") & before_q(Stage.RECOVERY)


def rtt_breach_q(*, today: datetime.date, weeks: int) -> Q:
    """Still waiting for treatment `weeks` weeks or more after referral (18 weeks, [R80b])."""
    return rtt_waiting_q() & Q(referral_received_on__lte=today - datetime.timedelta(weeks=weeks))


def procedure_date_passed_q(*, today: datetime.date) -> Q:
    """Open, listed for a day already past, and not yet past the procedure stage."""
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
