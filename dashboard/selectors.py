"""Worklists: what each person has to do, each item linking to the form that clears it.

A worklist is a named condition on the stored pathway state (pathway.core.state.PathwayState: one row
per pathway, kept current by the services in the write's own transaction), shown to users holding all
of its permissions. Each list has a partial index in its own order, so its count reads only its own
entries and its first rows are read in order: neither grows with the closed pathways. Conditions on
the date ("listed for today", "window open") compare the stored dates with today in the query.

Counts for every list a user sees come from ONE query (also used for the navigation badge), cached per
list under the list's generation (pathway.core.cache): a write bumps only the lists its pathway was or is
now on.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import DateField, F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts import roles
from pathway.core.cache import generations, single_flight
from pathway.models import Pathway, PathwayState, Stage, rule_value
from pathway.selectors import pathways_for_user
from pathway.templatetags.pathway_tags import stage_form_url


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
    lab_validity_days, domain.md 4.2): the oldest sample date is stored, the rule applied here."""
    days = int(rule_value("lab_validity_days"))
    return Q(
        bloods_oldest_on__isnull=False,
        planned_procedure_on__gte=today,
        bloods_oldest_on__lt=DaysBefore(F("planned_procedure_on"), days),
    )


def follow_up_due_q(today: datetime.date) -> Q:
    """The 4-week review's window has opened and it is not done (FollowUp.due / overdue, domain.md 8.1)."""
    return Q(follow_up_due_on__isnull=False, follow_up_opens_on__lte=today)


def follow_up_overdue(state: PathwayState, today: datetime.date) -> bool:
    return state.follow_up_closes_on is not None and state.follow_up_closes_on < today


# --- the worklists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistSpec:
    key: str
    title: str
    description: str
    permissions: tuple[str, ...]
    stage: Stage  # the form that clears an item
    # The state field marking membership (a boolean, or a date that is set): a write touching a
    # pathway with this field set before or after invalidates this list's cached count.
    member: str
    # The full condition on PathwayState (the member field and anything about today).
    condition: Callable[[datetime.date], Q]
    # The list's own order, after urgent first (WorklistSpec.ordering); served by its partial index.
    order_by: tuple = ("stage_entered_at", "pathway_id")
    date_label: str = "Waiting since"
    date_field: str = "stage_entered_at"  # a PathwayState field
    flag: Callable[[PathwayState, datetime.date], bool] | None = None
    flag_label: str = ""

    def visible_to(self, user) -> bool:
        return all(user.has_perm(p) for p in self.permissions)

    @property
    def ordering(self) -> tuple:
        """Urgent referrals first on every list (issue 16), then the list's own order: an urgent
        patient without a planned date is not sorted after every dated one."""
        return ("-urgent", *self.order_by)


def _member(name: str) -> Callable[[datetime.date], Q]:
    return lambda today: Q(**{name: True})


PLANNED_FIRST = (F("planned_procedure_on").asc(nulls_last=True),)

SPECS: tuple[WorklistSpec, ...] = (
    # Radiologist (and consultant).
    WorklistSpec(
        key="suitability",
        title="Referrals awaiting suitability",
        description="New referrals to triage and assess against the suitability criteria.",
        permissions=(roles.RECORD_SUITABILITY,),
        stage=Stage.SUITABILITY,
        member="awaiting_suitability",
        condition=_member("awaiting_suitability"),
        order_by=("referral_received_on", "pathway_id"),
        date_label="Referred",
        date_field="referral_received_on",
    ),
    WorklistSpec(
        key="mri",
        title="MRIs to review",
        description="Imaging to review and report level by level.",
        permissions=(roles.RECORD_MRI,),
        stage=Stage.MRI,
        member="mri_to_review",
        condition=_member("mri_to_review"),
    ),
    WorklistSpec(
        key="procedure_today",
        title="Procedures on today's list",
        description="Patients listed for vertebroplasty today whose procedure is not yet recorded.",
        permissions=(roles.RECORD_PROCEDURE,),
        stage=Stage.PROCEDURE,
        member="procedure_to_record",
        condition=lambda today: Q(procedure_to_record=True, planned_procedure_on=today),
        order_by=("planned_procedure_on", "pathway_id"),
        date_label="Planned",
        date_field="planned_procedure_on",
    ),
    # Consultant.
    WorklistSpec(
        key="consent",
        title="Consents to take",
        description="Patients ready for the consent discussion, with no signed consent in force.",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        member="consent_to_take",
        condition=_member("consent_to_take"),
        order_by=(*PLANNED_FIRST, "stage_entered_at", "pathway_id"),
        date_label="Planned procedure",
        date_field="planned_procedure_on",
    ),
    WorklistSpec(
        key="confirm_today",
        title="Consents to confirm today",
        description="Listed for today with a signed consent not yet confirmed by the operator (second stage).",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        member="consent_to_confirm",
        condition=lambda today: Q(consent_to_confirm=True, planned_procedure_on=today),
        order_by=("planned_procedure_on", "pathway_id"),
        date_label="Planned",
        date_field="planned_procedure_on",
    ),
    WorklistSpec(
        key="awaiting_decision",
        title="Awaiting a decision",
        description="The stage is recorded but the pathway has not moved on: a gate is closed or it needs "
        "a consultant's decision (move on, override with a reason, or close).",
        permissions=(roles.OVERRIDE_GATE,),
        stage=Stage.REFERRAL,  # items link to the pathway page, where the gate's reasons are shown
        member="awaiting_decision",
        condition=_member("awaiting_decision"),
    ),
    WorklistSpec(
        key="reconsent",
        title="Consents flagged for re-consent",
        description="The levels now planned differ from the levels on the signed consent: take a new consent "
        "before treating.",
        permissions=(roles.RECORD_CONSENT,),
        stage=Stage.CONSENT,
        member="reconsent",
        condition=_member("reconsent"),
        order_by=(*PLANNED_FIRST, "pathway_id"),
        date_label="Planned procedure",
        date_field="planned_procedure_on",
    ),
    # Nurse.
    WorklistSpec(
        key="pre_assessment",
        title="Pre-assessments due",
        description="Bloods, ECG, medicines, allergies and escort to check.",
        permissions=(roles.RECORD_PRE_ASSESSMENT,),
        stage=Stage.PRE_ASSESSMENT,
        member="pre_assessment_due",
        condition=_member("pre_assessment_due"),
        order_by=(*PLANNED_FIRST, "stage_entered_at", "pathway_id"),
        date_label="Planned procedure",
        date_field="planned_procedure_on",
    ),
    WorklistSpec(
        key="bloods_expiring",
        title="Bloods out of date by the procedure",
        description="A blood result will be older than its validity window on the planned procedure day: repeat it.",
        permissions=(roles.RECORD_PRE_ASSESSMENT,),
        stage=Stage.PRE_ASSESSMENT,
        member="bloods_oldest_on",
        condition=bloods_expire_before_procedure_q,
        order_by=(*PLANNED_FIRST, "pathway_id"),
        date_label="Planned procedure",
        date_field="planned_procedure_on",
    ),
    WorklistSpec(
        key="recovery",
        title="Patients in recovery",
        description="Observations, bed rest and discharge.",
        permissions=(roles.RECORD_RECOVERY,),
        stage=Stage.RECOVERY,
        member="in_recovery",
        condition=_member("in_recovery"),
    ),
    WorklistSpec(
        key="follow_up",
        title="Follow-ups due and overdue",
        description="4-week reviews whose window has opened; overdue ones are marked.",
        # The follow-up clinic is nurse-led (domain.md 10): the list goes to those who run recovery and
        # follow-up; radiologists may still record a review from the pathway.
        permissions=(roles.RECORD_FOLLOW_UP, roles.RECORD_RECOVERY),
        stage=Stage.FOLLOW_UP,
        member="follow_up_due_on",
        condition=follow_up_due_q,
        order_by=("follow_up_due_on", "pathway_id"),
        date_label="Due",
        date_field="follow_up_due_on",
        flag=follow_up_overdue,
        flag_label="Overdue",
    ),
)

SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


def specs_for_user(user) -> list[WorklistSpec]:
    if not user.has_perm("pathway.view_pathway"):
        return []
    return [spec for spec in SPECS if spec.visible_to(user)]


def lists_touched(before: dict | None, after: dict | None) -> set[str]:
    """The worklists whose count or rows may differ between two state rows of one pathway: those it
    is a member of before or after, when anything changed (date conditions left aside: a superset)."""
    if before == after:
        return set()
    rows = [row for row in (before, after) if row]
    return {spec.key for spec in SPECS if any(row.get(spec.member) for row in rows)}


WORKLIST_CACHE_SECONDS = 5 * 60


def _count_all(conditions: dict[str, Q]) -> dict[str, int]:
    """The count of each condition on PathwayState in ONE query of scalar subqueries, each read from
    its list's partial index."""
    parts, params = [], []
    for i, condition in enumerate(conditions.values()):
        sql, sql_params = PathwayState.objects.filter(condition).order_by().values("pk").query.sql_with_params()
        # Django-compiled SQL with its values as parameters; only an alias number is added.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS list{i})")  # noqa: S608
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: int(n or 0) for key, n in zip(conditions, row, strict=True)}


def _count_key(spec_key: str, generation: int, today: datetime.date) -> str:
    return f"worklists:count:{connection.alias}:{spec_key}:{today.isoformat()}:{generation}"


def worklist_counts(*, user, today: datetime.date | None = None) -> dict[str, int]:
    """Count of every worklist the user sees. Each list's count is cached under its own generation
    (one round trip for the generations, one for the values); the lists missing are counted together
    in one query, single flight (the others serve the previous count meanwhile).

    Every signed-in clinician sees every pathway (pathway.selectors.pathways_for_user), so a count is
    the same for everyone who sees the list and is shared between them."""
    specs = specs_for_user(user)
    if not specs:
        return {}
    today = today or timezone.localdate()
    gens = generations(spec.key for spec in specs)
    keys = {spec.key: _count_key(spec.key, gens[spec.key], today) for spec in specs}
    found = cache.get_many(list(keys.values()))
    counts = {key: found[k] for key, k in keys.items() if k in found}
    missing = [spec for spec in specs if spec.key not in counts]
    if missing:

        def recount() -> dict[str, int]:
            fresh = _count_all({spec.key: spec.condition(today) for spec in missing})
            # Stored under each list's generation only when really counted (never a stale value).
            cache.set_many({keys[k]: v for k, v in fresh.items()}, timeout=WORKLIST_CACHE_SECONDS)
            return fresh

        # The single-flight family is this set of lists (its previous value has the same keys).
        lists = hashlib.sha256(",".join(s.key for s in missing).encode()).hexdigest()[:16]
        which = hashlib.sha256(f"{today.isoformat()}|{[gens[s.key] for s in missing]}".encode()).hexdigest()[:16]
        key = f"worklists:counts:{connection.alias}:{lists}:{which}"
        counts.update(single_flight(key, recount, timeout=WORKLIST_CACHE_SECONDS))
    return {spec.key: counts[spec.key] for spec in specs}


@dataclass
class WorklistItem:
    pathway: Pathway
    url: str
    date: object
    flagged: bool


class NamedBySpec:
    """A list shown under its spec's key and title (templates and tests name lists by these)."""

    spec: WorklistSpec

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title


@dataclass
class Worklist(NamedBySpec):
    spec: WorklistSpec
    items: list[WorklistItem]
    total: int


def item_url(spec: WorklistSpec, pathway: Pathway) -> str:
    """The form that clears the item; the pathway page when it has not reached that stage yet (the
    page has the button moving it on) or when the item is a decision rather than a form."""
    if spec.stage == Stage.REFERRAL or pathway.stage.index < spec.stage.index:
        return reverse("pathway:detail", kwargs={"pk": pathway.pk})
    return stage_form_url(pathway, spec.stage)


ITEM_COLUMNS = (
    "follow_up_closes_on",
    "pathway__id",
    "pathway__current_stage",
    "pathway__status",
    "pathway__priority",
    "pathway__patient__id",
    "pathway__patient__family_name",
    "pathway__patient__given_name",
    "pathway__patient__nhs_number",
)


def list_states(*, spec: WorklistSpec, today: datetime.date):
    """The list's rows in its order (urgent first): read in order from its partial index."""
    return (
        PathwayState.objects.filter(spec.condition(today))
        .select_related("pathway__patient")
        # Only what a row shows (home.html, worklist.html) and item_url needs: fewer columns to read.
        .only(*ITEM_COLUMNS, spec.date_field)
        .order_by(*spec.ordering)
    )


def list_items(spec: WorklistSpec, states, today: datetime.date) -> list[WorklistItem]:
    return [
        WorklistItem(
            pathway=state.pathway,
            url=item_url(spec, state.pathway),
            date=getattr(state, spec.date_field),
            flagged=bool(spec.flag and spec.flag(state, today)),
        )
        for state in states
    ]


def worklist_items(*, user, spec: WorklistSpec, today: datetime.date, limit: int) -> list[WorklistItem]:
    """The list's first `limit` rows, one query."""
    pathways_for_user(user=user)  # the permission check (every clinician sees every pathway)
    return list_items(spec, list_states(spec=spec, today=today)[:limit], today)


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


class CountedPaginator(Paginator):
    """A paginator told its count (the worklist's cached count, the one the badge shows) rather
    than counting again."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


WORKLIST_PAGE_SIZE = 25
