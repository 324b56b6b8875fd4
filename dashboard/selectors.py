"""Worklists: what each person has to do, each item linking to the form that clears it.

A worklist is a named filter over open pathways (`WorklistSpec.condition`), shown to users holding
all of its permissions. Counts for every list a user sees come from ONE aggregate query (also used
for the navigation badge); each list's first rows come from one query per list, so the number of
queries never depends on how many pathways a list holds.

The conditions are the collection filters of pathway/core/queues.py.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Value,
)
from django.db.models.expressions import Combinable
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from consent.models import ConsentConfirmation, ConsentRecord, ConsentWithdrawal
from dashboard.metrics import change_marker
from pathway.core.queues import (
    DECISION_STAGES,
    at_stage_q,
    awaiting_decision_at_q,
    awaiting_decision_q,
    before_q,
    without_record_q,
)
from pathway.models import Pathway, PathwayStatus, Priority, Stage, rule_value
from pathway.mri.models import MriLevelFinding
from pathway.pre_assessment.models import PreAssessment
from pathway.selectors import pathways_for_user
from pathway.templatetags.pathway_tags import stage_form_url

# --- conditions on the stage records ---------------------------------------------------------------

UNTREATED_STAGES = [s.value for s in Stage if s.index < Stage.RECOVERY.index]


def _standing_consents():
    """Current consents, signed and not withdrawn (ConsentRecordQuerySet.current().in_force()).

    The withdrawal is tested with NOT EXISTS rather than in_force()'s LEFT JOIN ... IS NULL: PostgreSQL
    estimated the join at one row and chose nested loops costing seconds at 100,000 pathways."""
    return (
        ConsentRecord.objects.current()
        .signed()
        .filter(~Exists(ConsentWithdrawal.objects.filter(consent_id=OuterRef("pk"))))
    )


def _consents():
    return _standing_consents().filter(pathway_id=OuterRef("pk"))


def consent_in_force_q() -> Q:
    """The pathway's current consent is signed and not withdrawn."""
    return Q(Exists(_consents()))


def _reconsent_ordered_ids() -> list[int]:
    """Pathways whose signed current consent (not withdrawn) has levels other than the levels now
    planned (MRI findings with oedema, concordant with the examination: pathway.selectors.planned_levels),
    among open pathways not yet treated; in the list's order (planned date, nulls last, then id).

    The same set comparison as consent.selectors.levels_changed, done here over the bounded set of
    standing consents of untreated pathways: two queries whatever their number. (Done in SQL as bit
    sets, the comparison needed a sub-plan per consent, and PostgreSQL's JIT compiler added over a
    second to it at 100,000 pathways.)"""
    candidates = _standing_consents().filter(
        pathway__status=PathwayStatus.OPEN, pathway__current_stage__in=UNTREATED_STAGES
    )
    consents = list(candidates.values_list("pathway_id", "levels", "pathway__planned_procedure_on"))
    planned: dict[int, set[str]] = {}
    findings = MriLevelFinding.objects.treatable().filter(scan__pathway_id__in=candidates.values("pathway_id"))
    for pathway_id, level in findings.values_list("scan__pathway_id", "level"):
        planned.setdefault(pathway_id, set()).add(level)
    flagged = [
        (planned_on is None, planned_on or datetime.date.min, pathway_id)
        for pathway_id, levels, planned_on in consents
        if set(levels or []) != planned.get(pathway_id, set())
    ]
    return [pathway_id for *_, pathway_id in sorted(flagged)]


def reconsent_pathway_ids() -> list[int]:
    """The pathways flagged for re-consent, in list order; cached under the change marker (every write
    to a consent, an MRI finding or a pathway changes it)."""
    return _cached_by_marker("reconsent", [], _reconsent_ordered_ids)


def reconsent_flagged_q() -> Q:
    """Open, not yet treated, and the current consent's levels differ from the planned ones."""
    return Q(pk__in=reconsent_pathway_ids())


def unconfirmed_consent_q() -> Q:
    """Signed, not withdrawn, and not yet confirmed on the day (two-stage consent, domain.md 5.6)."""
    return Q(Exists(_consents().filter(~Exists(ConsentConfirmation.objects.filter(consent_id=OuterRef("pk"))))))


class DaysBefore(Func):
    """`expression` minus a whole number of days, as a date, on SQLite and PostgreSQL alike."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        super().__init__(expression)
        self.days = int(days)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '-{self.days} days')", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - {self.days})", params


def bloods_expire_before_procedure_q(today: datetime.date) -> Q:
    """Listed for today or later, not yet treated, and a recorded blood result (Hb, platelets, INR,
    creatinine/eGFR) will be older than the validity window on the procedure day (rule
    lab_validity_days, domain.md 4.2)."""
    days = int(rule_value("lab_validity_days"))
    cut = DaysBefore(OuterRef("planned_procedure_on"), days)
    stale = Q(pk__in=[])
    for sampled in ("hb_sampled_on", "platelets_sampled_on", "inr_sampled_on", "renal_sampled_on"):
        stale |= Q(**{f"{sampled}__lt": cut})
    records = PreAssessment.objects.filter(pathway=OuterRef("pk")).filter(stale)
    return Q(planned_procedure_on__gte=today) & before_q(Stage.RECOVERY) & Q(Exists(records))


def follow_up_due_q(today: datetime.date) -> Q:
    """The 4-week review's window has opened and it is not done (FollowUp.due / overdue, domain.md 8.1).

    Through the one-to-one join rather than EXISTS, so the list is read in due order from
    follow_up_pending_due_idx (the outer query already keeps open pathways only, as FollowUp.pending)."""
    return Q(follow_up__completed_at__isnull=True, follow_up__window_opens_on__lte=today)


def follow_up_overdue_q(today: datetime.date) -> Q:
    return Q(follow_up__completed_at__isnull=True, follow_up__window_closes_on__lt=today)


def follow_up_due_on():
    """The review's due date, through the one-to-one join (follow_up_pending_due_idx orders it)."""
    return F("follow_up__due_on")


# --- the worklists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistSpec:
    key: str
    title: str
    description: str
    permissions: tuple[str, ...]
    stage: Stage  # the form that clears an item
    condition: Callable[[datetime.date], Q]
    order_by: tuple = ("stage_entered_at", "id")
    date_label: str = "Waiting since"
    date_expr: Callable[[], Combinable] = field(default=lambda: F("stage_entered_at"))
    flag: Callable[[datetime.date], Q] | None = None
    flag_label: str = ""
    # Stages whose items are fetched by one query each and merged (the order must then be
    # stage_entered_at, id).
    split_by_stage: tuple[str, ...] = ()  # only with awaiting_decision_at_q
    # A cached list of pathway ids in the list's order (the condition is then `pk__in` those ids).
    ordered_ids: Callable[[], list[int]] | None = None

    def visible_to(self, user) -> bool:
        return all(user.has_perm(p) for p in self.permissions)


# Urgent before routine: "urgent" sorts after "routine", so descending puts it first, and the
# pathway_open_triage_idx index serves this order.
URGENT_FIRST = ("-priority",)


SPECS: tuple[WorklistSpec, ...] = (
    # Radiologist (and consultant).
    WorklistSpec(
        key="suitability",
        title="Referrals awaiting suitability",
        description="New referrals to triage and assess against the suitability criteria.",
        permissions=(roles.RECORD_SUITABILITY,),
        stage=Stage.SUITABILITY,
        condition=lambda today: at_stage_q(Stage.REFERRAL, Stage.SUITABILITY) & without_record_q(Stage.SUITABILITY),
        order_by=(*URGENT_FIRST, "referral_received_on", "id"),
        date_label="Referred",
        date_expr=lambda: F("referral_received_on"),
    ),
    WorklistSpec(
        key="mri",
        title="MRIs to review",
        description="Imaging to review and report level by level.",
        permissions=(roles.RECORD_MRI,),
        stage=Stage.MRI,
        condition=lambda today: at_stage_q(Stage.MRI) & without_record_q(Stage.MRI),
    ),
    WorklistSpec(
        key="procedure_today",
        title="Procedures on today's list",
        description="Patients listed for vertebroplasty today whose procedure is not yet recorded.",
        permissions=(roles.RECORD_PROCEDURE,),
        stage=Stage.PROCEDURE,
        condition=lambda today: (
            Q(planned_procedure_on=today) & before_q(Stage.RECOVERY) & without_record_q(Stage.PROCEDURE)
        ),
        order_by=("id",),
        date_label="Planned",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    # Consultant.
    WorklistSpec(
        key="consent",
        title="Consents to take",
        description="Patients ready for the consent discussion, with no signed consent in force.",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        condition=lambda today: at_stage_q(Stage.CONSENT) & ~consent_in_force_q(),
        order_by=(F("planned_procedure_on").asc(nulls_last=True), "stage_entered_at", "id"),
        date_label="Planned procedure",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    WorklistSpec(
        key="confirm_today",
        title="Consents to confirm today",
        description="Listed for today with a signed consent not yet confirmed by the operator (second stage).",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        condition=lambda today: Q(planned_procedure_on=today) & before_q(Stage.RECOVERY) & unconfirmed_consent_q(),
        order_by=("id",),
        date_label="Planned",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    WorklistSpec(
        key="awaiting_decision",
        title="Awaiting a decision",
        description="The stage is recorded but the pathway has not moved on: a gate is closed or it needs "
        "a consultant's decision (move on, override with a reason, or close).",
        permissions=(roles.OVERRIDE_GATE,),
        stage=Stage.REFERRAL,  # items link to the pathway page, where the gate's reasons are shown
        condition=lambda today: awaiting_decision_q(),
        split_by_stage=DECISION_STAGES,
    ),
    WorklistSpec(
        key="reconsent",
        title="Consents flagged for re-consent",
        description="The levels now planned differ from the levels on the signed consent: take a new consent "
        "before treating.",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        condition=lambda today: reconsent_flagged_q(),
        ordered_ids=lambda: reconsent_pathway_ids(),
        order_by=(F("planned_procedure_on").asc(nulls_last=True), "id"),
        date_label="Planned procedure",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    # Nurse.
    WorklistSpec(
        key="pre_assessment",
        title="Pre-assessments due",
        description="Bloods, ECG, medicines, allergies and escort to check.",
        permissions=(roles.RECORD_PRE_ASSESSMENT,),
        stage=Stage.PRE_ASSESSMENT,
        condition=lambda today: at_stage_q(Stage.PRE_ASSESSMENT) & without_record_q(Stage.PRE_ASSESSMENT),
        order_by=(F("planned_procedure_on").asc(nulls_last=True), "stage_entered_at", "id"),
        date_label="Planned procedure",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    WorklistSpec(
        key="bloods_expiring",
        title="Bloods out of date by the procedure",
        description="A blood result will be older than its validity window on the planned procedure day: repeat it.",
        permissions=(roles.RECORD_PRE_ASSESSMENT,),
        stage=Stage.PRE_ASSESSMENT,
        condition=bloods_expire_before_procedure_q,
        order_by=(F("planned_procedure_on").asc(nulls_last=True), "id"),
        date_label="Planned procedure",
        date_expr=lambda: F("planned_procedure_on"),
    ),
    WorklistSpec(
        key="recovery",
        title="Patients in recovery",
        description="Observations, bed rest and discharge.",
        permissions=(roles.RECORD_RECOVERY,),
        stage=Stage.RECOVERY,
        condition=lambda today: at_stage_q(Stage.RECOVERY),
    ),
    WorklistSpec(
        key="follow_up",
        title="Follow-ups due and overdue",
        description="4-week reviews whose window has opened; overdue ones are marked.",
        # The follow-up clinic is nurse-led (domain.md 10): the list goes to those who run recovery and
        # follow-up; radiologists may still record a review from the pathway.
        permissions=(roles.RECORD_FOLLOW_UP, roles.RECORD_RECOVERY),
        stage=Stage.FOLLOW_UP,
        condition=follow_up_due_q,
        order_by=("follow_up__due_on", "id"),
        date_label="Due",
        date_expr=follow_up_due_on,
        flag=follow_up_overdue_q,
        flag_label="Overdue",
    ),
)

SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


def specs_for_user(user) -> list[WorklistSpec]:
    if not user.has_perm("pathway.view_pathway"):
        return []
    return [spec for spec in SPECS if spec.visible_to(user)]


def _annotated(queryset):
    return queryset.annotate(
        is_urgent=ExpressionWrapper(Q(priority=Priority.URGENT), output_field=BooleanField()),
    )


WORKLIST_CACHE_SECONDS = 5 * 60


def _cached_by_marker(kind: str, parts: list, compute):
    """`compute()` cached under the change marker (dashboard.metrics.change_marker: the latest id of
    every clinical history table, one query): any clinical write gives a new key, so a cached value is
    never older than the last write. The timeout bounds the rest (e.g. the date moving on is in `parts`)."""
    text = "|".join([kind, connection.alias, *map(str, parts), change_marker()])
    key = f"worklists:{kind}:" + hashlib.sha256(text.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, WORKLIST_CACHE_SECONDS)
    return value


def _count_all(querysets: dict[str, object]) -> dict[str, int]:
    """The count of each queryset in ONE query of scalar subqueries, each planned on its own (so each
    list's EXISTS becomes an index-probing anti or semi join, not a per-row filter of one big scan)."""
    parts, params = [], []
    for i, queryset in enumerate(querysets.values()):
        try:
            sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. `pk__in` an empty list: nothing to count
            parts.append("0")
            continue
        # Django-compiled SQL with its values as parameters; only an alias number is added.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS list{i})")  # noqa: S608
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: int(n or 0) for key, n in zip(querysets, row, strict=True)}


def worklist_counts(*, user, today: datetime.date | None = None) -> dict[str, int]:
    """Count of every worklist the user sees, in one query, cached under the change marker (the
    navigation badge on every page asks for them)."""
    specs = specs_for_user(user)
    if not specs:
        return {}
    today = today or timezone.localdate()
    queryset = pathways_for_user(user=user).filter(status=PathwayStatus.OPEN)
    scope, scope_params = queryset.order_by().values("pk").query.sql_with_params()
    return _cached_by_marker(
        "counts",
        [today.isoformat(), scope, repr(scope_params), *(spec.key for spec in specs)],
        lambda: _count_all({spec.key: queryset.filter(spec.condition(today)) for spec in specs}),
    )


@dataclass
class WorklistItem:
    pathway: Pathway
    url: str
    date: object
    flagged: bool


@dataclass
class Worklist:
    spec: WorklistSpec
    items: list[WorklistItem]
    total: int

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title


def item_url(spec: WorklistSpec, pathway: Pathway) -> str:
    """The form that clears the item; the pathway page when it has not reached that stage yet (the
    page has the button moving it on) or when the item is a decision rather than a form."""
    if spec.stage == Stage.REFERRAL or pathway.stage.index < spec.stage.index:
        return reverse("pathway:detail", kwargs={"pk": pathway.pk})
    return stage_form_url(pathway, spec.stage)


def worklist_items(*, user, spec: WorklistSpec, today: datetime.date, limit: int) -> list[WorklistItem]:
    base = _annotated(pathways_for_user(user=user).filter(status=PathwayStatus.OPEN)).annotate(
        item_date=spec.date_expr(),
        item_flag=ExpressionWrapper(spec.flag(today), output_field=BooleanField()) if spec.flag else Value(False),
    )
    if spec.ordered_ids:
        # The list is a cached, ordered list of ids (see reconsent_pathway_ids): fetch the first rows.
        ids = spec.ordered_ids()[:limit]
        found = {p.pk: p for p in base.filter(pk__in=ids)}
        rows = [found[i] for i in ids if i in found]
    elif spec.split_by_stage:
        # One ordered query per stage (each read in order from pathway_open_stage_entered_idx and
        # stopped at `limit` rows), merged here: a fixed number of queries, and no scan of every
        # stage's record table before the first row (PostgreSQL hashes them for an OR of EXISTS).
        rows = []
        for stage in spec.split_by_stage:
            rows += base.filter(awaiting_decision_at_q(stage)).order_by(*spec.order_by)[:limit]
        rows = sorted(rows, key=lambda p: (p.stage_entered_at, p.pk))[:limit]
    else:
        rows = base.filter(spec.condition(today)).order_by(*spec.order_by)[:limit]
    return [WorklistItem(pathway=p, url=item_url(spec, p), date=p.item_date, flagged=bool(p.item_flag)) for p in rows]


def worklists_for_user(
    *, user, limit: int = 20, today: datetime.date | None = None, counts: dict[str, int] | None = None
) -> list[Worklist]:
    """Every worklist the user sees: its first `limit` items and its total."""
    today = today or timezone.localdate()
    if counts is None:
        counts = worklist_counts(user=user, today=today)
    return [
        Worklist(
            spec=spec, items=worklist_items(user=user, spec=spec, today=today, limit=limit), total=counts[spec.key]
        )
        for spec in specs_for_user(user)
    ]
