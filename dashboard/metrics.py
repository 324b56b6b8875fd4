"""The service dashboard's figures (domain.md section 9), each computed over a cohort of pathways.

Every function takes the cohort (a Pathway queryset already filtered by the dashboard's filters) and
runs a fixed number of queries, whatever the number of pathways: counts are aggregated in SQL, and
the stage-interval percentiles are computed by PostgreSQL (percentile_cont) or, on SQLite, in Python
over the values fetched by one query, with the same interpolation.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from dashboard import service_metrics
from dashboard.arithmetic import percentile, share
from pathway.core.choices import in_sentence
from pathway.models import ExitState, Pathway, PathwayStatus, Stage, StageTransition, rule_values
from pathway.workflow import TRANSITIONS


def untreated() -> Q:
    """Open pathways whose RTT clock is still running: the clock stops at first definitive treatment,
    the vertebroplasty (RTT rules suite via domain.md 9 [R80]), so pathways in recovery or follow-up
    are no longer waiting."""
    return Q(status=PathwayStatus.OPEN, current_stage__in=[s.value for s in Stage if s.index < Stage.RECOVERY.index])


# --- where every pathway is ------------------------------------------------------------------------

# Exits that happen on the day of the procedure: on-the-day cancellations (domain.md 9).
ON_THE_DAY_EXITS = (
    ExitState.DID_NOT_ATTEND,
    ExitState.DEFERRED_UNFIT,
    ExitState.CONSENT_WITHDRAWN,
    ExitState.PATIENT_DECLINED,
)


@dataclass
class Census:
    open_by_stage: list[tuple[str, int]]  # (stage label, count), every stage in pathway order
    closed_by_exit: list[tuple[str, int]]  # (exit label, count), every exit state
    cancellations: list[tuple[str, int]]  # on-the-day cancellations by reason
    open_total: int
    closed_total: int
    cancellations_total: int


def census(cohort) -> Census:
    """Open pathways per stage, closed ones by exit state, on-the-day cancellations: one query."""
    rows = cohort.order_by().values_list("status", "current_stage", "exit_state").annotate(n=Count("pk"))
    open_counts: dict[str, int] = defaultdict(int)
    exit_counts: dict[str, int] = defaultdict(int)
    cancelled: dict[str, int] = defaultdict(int)
    for status, stage, exit_state, n in rows:
        if status == PathwayStatus.OPEN:
            open_counts[stage] += n
        else:
            exit_counts[exit_state] += n
            if stage == Stage.PROCEDURE and exit_state in ON_THE_DAY_EXITS:
                cancelled[exit_state] += n
    return Census(
        open_by_stage=[(s.label, open_counts[s.value]) for s in Stage],
        closed_by_exit=[(e.label, exit_counts[e.value]) for e in ExitState],
        cancellations=[(e.label, cancelled[e.value]) for e in ON_THE_DAY_EXITS],
        open_total=sum(open_counts.values()),
        closed_total=sum(exit_counts.values()),
        cancellations_total=sum(cancelled.values()),
    )


# --- 18-week referral to treatment -----------------------------------------------------------------


@dataclass
class RttPosition:
    bands: list[tuple[str, int]]
    waiting: int
    within: int
    share_within: float | None
    standard_pct: Decimal
    rtt_weeks: int
    breaches: list[Pathway]
    breach_total: int

    @property
    def meets_standard(self) -> bool | None:
        return None if self.share_within is None else self.share_within >= float(self.standard_pct)


def rtt_position(cohort, *, today: datetime.date, rules: dict[str, Decimal], breach_limit: int = 50) -> RttPosition:
    """Incomplete pathways by weeks waited since referral (0-6, 6-12, 12-<rtt_weeks>, rtt_weeks+), the
    share within the standard (92% of incomplete pathways < 18 weeks, [R80b] via domain.md 9), and
    the longest waiters over the standard. Two queries."""
    rtt_weeks = int(rules["rtt_weeks"])
    edges = [0, 6, 12, rtt_weeks]  # band edges in weeks (domain.md 9 [R80b])

    def referred_before(weeks: int) -> Q:
        # Waited at least `weeks` weeks: referral on or before today - weeks.
        return Q(referral_received_on__lte=today - datetime.timedelta(weeks=weeks))

    aggregates = {}
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        query = referred_before(low) if low else Q()
        if high is not None:
            query &= ~referred_before(high)
        aggregates[f"band{i}"] = Count("pk", filter=query)
    waiting = cohort.filter(untreated())
    counts = waiting.aggregate(**aggregates)
    bands = []
    for i, low in enumerate(edges):
        label = f"{low}-{edges[i + 1]} weeks" if i + 1 < len(edges) else f"{low}+ weeks"
        bands.append((label, counts[f"band{i}"]))
    total = sum(n for _, n in bands)
    breach_total = bands[-1][1]
    breaches = list(
        waiting.filter(referred_before(rtt_weeks))
        .select_related("patient", "responsible_consultant")
        .order_by("referral_received_on", "id")[:breach_limit]
    )
    return RttPosition(
        bands=bands,
        waiting=total,
        within=total - breach_total,
        share_within=share(total - breach_total, total),
        standard_pct=rules["rtt_standard_pct"],
        rtt_weeks=rtt_weeks,
        breaches=breaches,
        breach_total=breach_total,
    )


# --- days between consecutive stages ---------------------------------------------------------------


@dataclass
class Spread:
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        values = sorted(values)
        return cls(
            n=len(values),
            median=percentile(values, 0.5),
            q1=percentile(values, 0.25),
            q3=percentile(values, 0.75),
            p90=percentile(values, 0.9),
        )


@dataclass
class Interval:
    from_stage: Stage
    to_stage: Stage
    overall: Spread
    by_month: dict[str, Spread] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.from_stage.label} to {in_sentence(self.to_stage.label)}"


@dataclass
class StageIntervals:
    months: list[str]  # "YYYY-MM", oldest first
    intervals: list[Interval]

    def month_label(self, month: str) -> str:
        return datetime.date.fromisoformat(month + "-01").strftime("%b %Y")


def months_back(today: datetime.date, count: int) -> list[str]:
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        result.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(result))


def _interval_sql(cohort) -> tuple[str, list, str]:
    """The CTE giving, for each forward move, the time the pathway had entered the previous stage.

    Consecutive 'open'/'advance' transitions of a pathway, ordered by time: the previous row's stage
    entry is the start of the interval when its `to_stage` is this row's `from_stage` (a return to an
    earlier stage restarts that stage's clock).
    """
    qn = connection.ops.quote_name
    table = qn(StageTransition._meta.db_table)
    params: list = []
    cohort_sql = ""
    if cohort.query.has_filters():
        sub_sql, sub_params = cohort.order_by().values("pk").query.sql_with_params()
        cohort_sql = f"AND t.pathway_id IN ({sub_sql})"
        params.extend(sub_params)
    forward = " OR ".join(f"(from_stage = '{a.value}' AND to_stage = '{b.value}')" for a, b in TRANSITIONS.items())
    sql = f"""
        WITH entries AS (
            SELECT t.kind, t.from_stage, t.to_stage, t.at,
                   LAG(t.at) OVER w AS prev_at, LAG(t.to_stage) OVER w AS prev_stage
            FROM {table} t
            WHERE t.kind IN ('open', 'advance') {cohort_sql}
            WINDOW w AS (PARTITION BY t.pathway_id ORDER BY t.at, t.id)
        )
    """  # noqa: S608 - only constants and quoted names are interpolated; values are parameters
    where = f"kind = 'advance' AND prev_stage = from_stage AND at >= %s AND ({forward})"
    return sql, params, where


def stage_intervals(cohort, *, today: datetime.date, months: int = 12) -> StageIntervals:
    """Median, interquartile range and 90th centile of days between consecutive stages, by the month
    the later stage was entered, over the last `months` months (domain.md 9 stage intervals).

    One query. Seconds at 100,000 pathways: served from the dashboard's snapshot (dashboard.snapshot)."""
    return _stage_intervals(cohort, today=today, months=months)


def _stage_intervals(cohort, *, today: datetime.date, months: int) -> StageIntervals:
    month_keys = months_back(today, months)
    first_day = datetime.date.fromisoformat(month_keys[0] + "-01")
    since = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time()))
    cte, params, where = _interval_sql(cohort)
    since_param = connection.ops.adapt_datetimefield_value(since)
    values: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    spreads: dict[tuple[str, str | None], Spread] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"""{cte}
                SELECT from_stage, to_char(at AT TIME ZONE %s, 'YYYY-MM'), COUNT(*),
                       percentile_cont(ARRAY[0.5, 0.25, 0.75, 0.9]) WITHIN GROUP (
                           ORDER BY EXTRACT(EPOCH FROM (at - prev_at)) / 86400.0)
                FROM entries WHERE {where}
                GROUP BY GROUPING SETS ((1, 2), (1))
            """  # noqa: S608 - constants only; values are parameters
            cursor.execute(sql, [*params, timezone.get_current_timezone_name(), since_param])
            for from_stage, month, n, (median, q1, q3, p90) in cursor.fetchall():
                spreads[(from_stage, month)] = Spread(n, median, q1, q3, p90)
        else:
            sql = f"{cte} SELECT from_stage, at, julianday(at) - julianday(prev_at) FROM entries WHERE {where}"  # noqa: S608
            cursor.execute(sql, [*params, since_param])
            tz = timezone.get_current_timezone()
            for from_stage, at, days in cursor.fetchall():
                moment = at if isinstance(at, datetime.datetime) else datetime.datetime.fromisoformat(at)
                if timezone.is_naive(moment):
                    moment = moment.replace(tzinfo=datetime.UTC)
                month = moment.astimezone(tz).strftime("%Y-%m")
                values[(from_stage, month)].append(days)
                values[(from_stage, None)].append(days)
            spreads = {key: Spread.of(vals) for key, vals in values.items()}
    empty = Spread(0, None, None, None, None)
    intervals = [
        Interval(
            from_stage=a,
            to_stage=b,
            overall=spreads.get((a.value, None), empty),
            by_month={m: spreads.get((a.value, m), empty) for m in month_keys},
        )
        for a, b in TRANSITIONS.items()
    ]
    return StageIntervals(months=month_keys, intervals=intervals)


# --- everything together ---------------------------------------------------------------------------


@dataclass
class Dashboard:
    today: datetime.date
    census: Census
    rtt: RttPosition
    intervals: StageIntervals
    mri: object
    overdue_follow_ups: object
    checklist: object
    consent_quality: object
    complications: object
    outcomes: object


def dashboard(cohort, *, today: datetime.date | None = None) -> Dashboard:
    """Every figure of the dashboard over the cohort, computed in full (about 20 queries; seconds at
    100,000 pathways). The page reads them from a snapshot (dashboard.snapshot), never from here."""
    today = today or timezone.localdate()
    return _dashboard(cohort, today=today, rules=rule_values())


def _dashboard(cohort, *, today: datetime.date, rules: dict[str, Decimal]) -> Dashboard:
    return Dashboard(
        today=today,
        census=census(cohort),
        rtt=rtt_position(cohort, today=today, rules=rules),
        intervals=stage_intervals(cohort, today=today),
        mri=service_metrics.mri_waits(cohort, today=today, rules=rules),
        overdue_follow_ups=service_metrics.overdue_follow_ups(cohort, today=today),
        checklist=service_metrics.checklist_completeness(cohort),
        consent_quality=service_metrics.consent_quality(cohort, rules=rules),
        complications=service_metrics.complications(cohort),
        outcomes=service_metrics.outcomes(cohort, rules),
    )


def base_cohort():
    return Pathway.objects.all()
