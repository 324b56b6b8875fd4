"""Worklists: what each person has to do, each item linking to the form that clears it.

A worklist is a named filter over open pathways (`WorklistSpec.condition`), shown to users holding
all of its permissions. Counts for every list a user sees come from ONE aggregate query (also used
for the navigation badge); each list's first rows come from one query per list, so the number of
queries never depends on how many pathways a list holds.

The conditions are the collection filters of pathway/queues.py.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from pathway.models import Level, Pathway, PathwayStatus, Priority, Stage, rule_value
from pathway.queues import at_stage_q, awaiting_decision_q, before_q, without_record_q
from pathway.selectors import pathways_for_user
from pathway.templatetags.pathway_tags import stage_form_url

# --- conditions on the stage records ---------------------------------------------------------------

UNTREATED_STAGES = [s.value for s in Stage if s.index < Stage.RECOVERY.index]


def _consents():
    from consent.models import ConsentRecord

    return ConsentRecord.objects.current().in_force().filter(pathway=OuterRef("pk"))


def consent_in_force_q() -> Q:
    """The pathway's current consent is signed and not withdrawn."""
    return Q(Exists(_consents()))


def _level_bit(level: str) -> int:
    return 1 << Level.sort_key(level)


def consented_levels_mask():
    """The consent's levels as a bit set (one bit per Level), read from the JSON list's text: `"L1"`
    with its quotes never matches inside `"L12"`. Same SQL on SQLite and PostgreSQL."""
    text = Cast("levels", TextField())
    return reduce(
        operator.add,
        (
            Case(When(Contains(text, Value(f'"{level}"')), then=Value(_level_bit(level))), default=Value(0))
            for level in Level.values
        ),
    )


def planned_levels_mask(pathway_ref: str = "pathway_id"):
    """The planned levels (MRI findings concordant with the exam and showing oedema, as
    pathway.selectors.planned_levels) of the pathway `pathway_ref` points at, as the same bit set:
    0 when no level is treatable or no MRI review is recorded. Each level appears once per scan."""
    from pathway.models import MriLevelFinding

    bits = Case(*(When(level=level, then=Value(_level_bit(level))) for level in Level.values), default=Value(0))
    findings = (
        MriLevelFinding.objects.treatable()
        .filter(scan__pathway_id=OuterRef(pathway_ref))
        .order_by()
        .values("scan__pathway_id")
        .annotate(mask=Sum(bits))
        .values("mask")
    )
    return Coalesce(Subquery(findings, output_field=IntegerField()), Value(0))


def reconsent_flagged_q() -> Q:
    """Open, not yet treated, and the current consent is signed and not withdrawn but its levels differ
    from the levels now planned: re-consent before treating (consent.selectors.flagged_for_reconsent,
    domain.md 5.6).

    Compared in SQL as two bit sets over the bounded set of signed current consents of untreated
    pathways (an uncorrelated `id IN (...)`, hashed once by PostgreSQL), so the count and the list stay
    one query each."""
    from consent.models import ConsentRecord

    flagged = (
        ConsentRecord.objects.current()
        .in_force()
        .filter(pathway__status=PathwayStatus.OPEN, pathway__current_stage__in=UNTREATED_STAGES)
        .annotate(consented_mask=consented_levels_mask(), planned_mask=planned_levels_mask())
        .exclude(consented_mask=F("planned_mask"))
        .values("pathway_id")
    )
    return Q(pk__in=flagged)


def unconfirmed_consent_q() -> Q:
    """Signed, not withdrawn, and not yet confirmed on the day (two-stage consent, domain.md 5.6)."""
    return Q(Exists(_consents().filter(confirmations__isnull=True)))


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
    from pathway.models import PreAssessment

    days = int(rule_value("lab_validity_days"))
    cut = DaysBefore(OuterRef("planned_procedure_on"), days)
    stale = Q(pk__in=[])
    for sampled in ("hb_sampled_on", "platelets_sampled_on", "inr_sampled_on", "renal_sampled_on"):
        stale |= Q(**{f"{sampled}__lt": cut})
    records = PreAssessment.objects.filter(pathway=OuterRef("pk")).filter(stale)
    return Q(planned_procedure_on__gte=today) & before_q(Stage.RECOVERY) & Q(Exists(records))


def _follow_ups():
    from pathway.models import FollowUp

    return FollowUp.objects.pending().filter(pathway=OuterRef("pk"))


def follow_up_due_q(today: datetime.date) -> Q:
    """The 4-week review's window has opened and it is not done (FollowUp.due / overdue, domain.md 8.1)."""
    return Q(Exists(_follow_ups().filter(window_opens_on__lte=today)))


def follow_up_overdue_q(today: datetime.date) -> Q:
    return Q(Exists(_follow_ups().filter(window_closes_on__lt=today)))


def follow_up_due_on():
    from pathway.models import FollowUp

    return Subquery(FollowUp.objects.filter(pathway=OuterRef("pk")).values("due_on")[:1])


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

    def visible_to(self, user) -> bool:
        return all(user.has_perm(p) for p in self.permissions)


URGENT_FIRST = ("-is_urgent",)


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
    ),
    WorklistSpec(
        key="reconsent",
        title="Consents flagged for re-consent",
        description="The levels now planned differ from the levels on the signed consent: take a new consent "
        "before treating.",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        condition=lambda today: reconsent_flagged_q(),
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
        order_by=("item_date", "id"),
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


def worklist_counts(*, user, today: datetime.date | None = None) -> dict[str, int]:
    """Count of every worklist the user sees, in one query."""
    specs = specs_for_user(user)
    if not specs:
        return {}
    today = today or timezone.localdate()
    queryset = pathways_for_user(user=user).filter(status=PathwayStatus.OPEN)
    return queryset.aggregate(**{spec.key: Count("pk", filter=spec.condition(today)) for spec in specs})


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
    queryset = (
        _annotated(pathways_for_user(user=user).filter(status=PathwayStatus.OPEN))
        .filter(spec.condition(today))
        .annotate(
            item_date=spec.date_expr(),
            item_flag=ExpressionWrapper(spec.flag(today), output_field=BooleanField()) if spec.flag else Value(False),
        )
        .order_by(*spec.order_by)
    )
    return [
        WorklistItem(pathway=p, url=item_url(spec, p), date=p.item_date, flagged=bool(p.item_flag))
        for p in queryset[:limit]
    ]


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
