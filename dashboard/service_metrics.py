"""Dashboard figures built on the stage records (domain.md section 9): MRI waits, overdue follow-ups,
consent quality, safety-checklist completeness, complications and outcomes.

Each function aggregates in SQL over the cohort (a filtered Pathway queryset): a fixed number of
queries, whatever the number of pathways.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, BooleanField, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncDate

from consent.models import ConsentConfirmation, ConsentRecord, ExplainedRisk, RiskVersion, WithdrawalTiming
from dashboard.arithmetic import share
from pathway.core.models import rule_values
from pathway.core.queues import record_exists
from pathway.models import (
    CHECKLIST_ITEMS,
    Complication,
    DisabilityInstrument,
    FollowUp,
    GradeSystem,
    Pathway,
    PathwayStatus,
    Procedure,
    Stage,
    SuitabilityAssessment,
)
from pathway.scores import PAIN_SUCCESS_BELOW

# --- MRI waits (NHS diagnostic standard, domain.md 9 [R82]) ---------------------------------------


@dataclass
class MriWaits:
    waiting: int
    within: int
    over: int
    share_within: float | None
    standard_weeks: int
    standard_pct: Decimal
    longest: list[Pathway]
    # Waiting, but the request date is not recorded: the wait cannot be measured.
    no_request_date: int = 0
    # Completed waits: request to scan.
    completed: int = 0
    completed_within: int = 0
    share_completed_within: float | None = None

    @property
    def meets_standard(self) -> bool | None:
        return None if self.share_within is None else self.share_within >= float(self.standard_pct)

    @property
    def completed_meets_standard(self) -> bool | None:
        if self.share_completed_within is None:
            return None
        return self.share_completed_within >= float(self.standard_pct)


def mri_waits(cohort, *, today: datetime.date, rules: dict[str, Decimal], limit: int = 20) -> MriWaits:
    """The diagnostic wait runs from the imaging request to the scan (domain.md 3 metric, domain.md 9
    [A][R82]), not from the day the pathway reached the MRI stage. Waiting: open pathways at the MRI
    stage with no scan recorded, by time since the request (those with no request date are counted
    apart). Completed: pathways whose scan and request are both recorded, by request-to-scan time.
    Both against the 6-week standard and the 99% target; three queries."""
    weeks = int(rules["diagnostic_wait_weeks"])
    cut = today - datetime.timedelta(weeks=weeks)
    waiting = cohort.filter(status=PathwayStatus.OPEN, current_stage=Stage.MRI).filter(~Q(record_exists(Stage.MRI)))
    counts = waiting.aggregate(
        total=Count("pk"),
        no_date=Count("pk", filter=Q(mri_request__isnull=True)),
        over=Count("pk", filter=Q(mri_request__requested_on__lte=cut)),
    )
    longest = list(
        waiting.select_related("patient", "mri_request")
        .filter(mri_request__requested_on__lte=cut)
        .order_by("mri_request__requested_on", "id")[:limit]
    )
    measured = counts["total"] - counts["no_date"]
    wait = ExpressionWrapper(F("mri__scanned_on") - F("mri_request__requested_on"), output_field=DurationField())
    done = (
        cohort.filter(mri__isnull=False, mri_request__isnull=False)
        .annotate(diagnostic_wait=wait)
        .aggregate(
            total=Count("pk"),
            within=Count("pk", filter=Q(diagnostic_wait__lt=datetime.timedelta(weeks=weeks))),
        )
    )
    return MriWaits(
        waiting=counts["total"],
        within=measured - counts["over"],
        over=counts["over"],
        share_within=share(measured - counts["over"], measured),
        standard_weeks=weeks,
        standard_pct=rules["diagnostic_standard_pct"],
        longest=longest,
        no_request_date=counts["no_date"],
        completed=done["total"],
        completed_within=done["within"],
        share_completed_within=share(done["within"], done["total"]),
    )


# --- follow-ups ------------------------------------------------------------------------------------


@dataclass
class OverdueFollowUps:
    total: int
    items: list[FollowUp]


def overdue_follow_ups(cohort, *, today: datetime.date, limit: int = 50) -> OverdueFollowUps:
    """Past the end of the follow-up window and not done (domain.md 8.1: overdue at due + 14 days)."""
    overdue = FollowUp.objects.overdue(today).filter(pathway__in=cohort.values("pk"))
    items = list(overdue.select_related("pathway__patient").order_by("window_closes_on", "id")[:limit])
    return OverdueFollowUps(total=overdue.count(), items=items)


# --- safety checklist ------------------------------------------------------------------------------


@dataclass
class ChecklistCompleteness:
    procedures: int
    complete: int
    share_complete: float | None


def checklist_completeness(cohort) -> ChecklistCompleteness:
    """Share of recorded procedures with every item of every phase (team brief, sign in, time out,
    sign out, debrief) answered as required (WHO / NatSSIPs via domain.md 9 [R66][R67][R68]: 100% expected)."""
    required = Q(pk__in=[])
    needed = 0
    for phase, items in CHECKLIST_ITEMS.items():
        for item in items:
            required |= Q(
                checklist_items__phase=phase,
                checklist_items__item=item.code,
                checklist_items__response__in=list(item.accepted),
            )
            needed += 1
    procedures = Procedure.objects.filter(pathway__in=cohort.values("pk")).annotate(
        answered=Count("checklist_items", filter=required, distinct=True)
    )
    counts = procedures.aggregate(total=Count("pk"), complete=Count("pk", filter=Q(answered__gte=needed)))
    return ChecklistCompleteness(
        procedures=counts["total"],
        complete=counts["complete"],
        share_complete=share(counts["complete"], counts["total"]),
    )


# --- consent quality -------------------------------------------------------------------------------


@dataclass
class QualityCriterion:
    key: str
    label: str
    met: int
    of: int
    share: float | None
    standard_pct: Decimal

    @property
    def meets_standard(self) -> bool | None:
        return None if self.share is None else self.share >= float(self.standard_pct)


@dataclass
class ConsentQuality:
    procedures: int
    without_consent: int  # procedures with no signed consent left standing (fails every criterion)
    standard_pct: Decimal
    criteria: list[QualityCriterion]


def consent_quality(cohort, *, rules: dict[str, Decimal]) -> ConsentQuality:
    """Consent quality against the RCR AuditLive standard (95%, rule consent_quality_standard_pct;
    domain.md 5.1 and 9 [R45]), over the procedures recorded in the cohort.

    Each procedure is judged on the consent it went ahead on, as consent.selectors.consent_for_procedure
    picks it: the latest signed consent not withdrawn before the procedure. A procedure without one
    fails every criterion. Criteria:
    - two-stage consent: signed on an earlier day than the operator's confirmation, and confirmed
      (information in advance, confirmed at a separate discussion with the operator);
    - confirmed by the operator on the day (the second stage);
    - every risk on the consent discussed (at least one risk, none left undiscussed);
    - the leaflet's version recorded;
    - all four together.
    Two queries: the procedures, and one conditional aggregate over their consents."""
    standard = rules["consent_quality_standard_pct"]
    procedures = Procedure.objects.filter(pathway__in=cohort.values("pk"))
    total = procedures.count()
    stood = ConsentRecord.objects.signed().exclude(withdrawal__timing=WithdrawalTiming.BEFORE)
    later = stood.filter(pathway_id=OuterRef("pathway_id")).filter(
        Q(signed_at__gt=OuterRef("signed_at")) | Q(signed_at=OuterRef("signed_at"), pk__gt=OuterRef("pk"))
    )
    consents = stood.filter(pathway__in=procedures.values("pathway_id")).filter(~Exists(later))
    # EXISTS, never `NOT IN (subquery)`: with 800,000 explained risks the NOT IN list outgrows work_mem and
    # PostgreSQL falls back to rescanning it for every consent (minutes at 100,000 pathways).
    confirmations = ConsentConfirmation.objects.filter(consent_id=OuterRef("pk"))
    confirmed = Q(Exists(confirmations))
    two_stage = Q(
        Exists(confirmations.annotate(day=TruncDate("confirmed_at")).filter(day__gt=TruncDate("consent__signed_at")))
    )
    risks = Q(Exists(ExplainedRisk.objects.filter(consent_id=OuterRef("pk")))) & ~Q(
        Exists(ExplainedRisk.objects.filter(consent_id=OuterRef("pk"), discussed=False))
    )
    leaflet = ~Q(leaflet_version="")
    # Grouped by the four answers (at most 16 rows), so each EXISTS runs once per consent.
    criteria = {"two_stage": two_stage, "confirmed": confirmed, "risks": risks, "leaflet": leaflet}
    groups = (
        consents.annotate(**{f"is_{k}": ExpressionWrapper(q, output_field=BooleanField()) for k, q in criteria.items()})
        .order_by()
        .values(*(f"is_{k}" for k in criteria))
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys([*criteria, "n", "all"], 0)
    for group in groups:
        counts["n"] += group["n"]
        for k in criteria:
            counts[k] += group["n"] if group[f"is_{k}"] else 0
        counts["all"] += group["n"] if all(group[f"is_{k}"] for k in criteria) else 0
    labels = [
        ("two_stage", "Two-stage consent: signed on an earlier day, then confirmed by the operator"),
        ("confirmed", "Confirmed by the operator on the day"),
        ("risks", "Every risk on the form discussed"),
        ("leaflet", "Leaflet version recorded"),
        ("all", "All of the above"),
    ]
    return ConsentQuality(
        procedures=total,
        without_consent=total - counts["n"],
        standard_pct=standard,
        criteria=[
            QualityCriterion(
                key=key, label=label, met=counts[key], of=total, share=share(counts[key], total), standard_pct=standard
            )
            for key, label in labels
        ],
    )


# --- complications ---------------------------------------------------------------------------------


@dataclass
class ComplicationRow:
    type: str
    grade_system: str
    grade: str
    count: int
    per_100: float | None
    reference: str  # the risk library's frequency, as explained to patients (domain.md 5.4)


@dataclass
class Complications:
    procedures: int
    total: int
    per_100: float | None
    rows: list[ComplicationRow]


def complications(cohort) -> Complications:
    """Complications per 100 procedures by type and grade, beside the risk library's reference
    frequency (domain.md 5.4 and 9)."""
    procedures = Procedure.objects.filter(pathway__in=cohort.values("pk")).count()
    grouped = (
        Complication.objects.filter(pathway__in=cohort.values("pk"))
        .values("risk_id", "other_type", "grade_system", "grade")
        .annotate(n=Count("pk"))
        .order_by("risk_id", "other_type", "grade_system", "grade")
    )
    grouped = list(grouped)
    risk_ids = {row["risk_id"] for row in grouped if row["risk_id"]}
    latest: dict[int, RiskVersion] = {}
    for version in RiskVersion.objects.filter(risk_id__in=risk_ids).order_by("risk_id", "number"):
        latest[version.risk_id] = version
    systems = dict(GradeSystem.choices)
    rows = []
    for row in grouped:
        version = latest.get(row["risk_id"])
        rows.append(
            ComplicationRow(
                type=version.name if version else (row["other_type"] or "Other"),
                grade_system=systems.get(row["grade_system"], row["grade_system"]),
                grade=row["grade"],
                count=row["n"],
                per_100=None if not procedures else 100.0 * row["n"] / procedures,
                reference=f"{version.frequency_numbers} ({version.get_frequency_band_display()})" if version else "",
            )
        )
    total = sum(r.count for r in rows)
    return Complications(
        procedures=procedures, total=total, per_100=None if not procedures else 100.0 * total / procedures, rows=rows
    )


# --- outcomes --------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    reviewed: int
    mean_pain_change: float | None
    share_under_4: float | None
    share_important_fall: float | None
    # Against the stored baseline change (domain.md 8.2): improved by at least the instrument's
    # minimum detectable change (ODI odi_mdc_points, RMDQ rmdq_mdc_points).
    with_disability_change: int = 0
    disability_improved: int = 0
    share_disability_improved: float | None = None


def outcomes(cohort, rules: dict[str, Decimal] | None = None) -> Outcomes:
    """Completed 4-week reviews with a pain score on activity and a baseline at suitability: mean
    change in pain (negative is better), share with pain below 4 (VAPOUR success [R19]) and share with a
    fall of 1.5 points or more (VERTOS IV [R20]); pathway/scores.pain_change uses the same pair."""
    baseline = SuitabilityAssessment.objects.filter(pathway=OuterRef("pathway_id"))
    reviews = FollowUp.objects.done().filter(
        pathway__in=cohort.values("pk"), pain_activity__isnull=False, pathway__suitability__isnull=False
    )
    change = F("pain_activity") - F("pathway__suitability__pain_score")
    counts = reviews.filter(Exists(baseline)).aggregate(
        n=Count("pk"),
        mean=Avg(change),
        under=Count("pk", filter=Q(pain_activity__lt=PAIN_SUCCESS_BELOW)),
        # Whole-number scores: a fall of 1.5 points or more is a fall of 2 or more.
        fall=Count("pk", filter=Q(pain_activity__lte=F("pathway__suitability__pain_score") - 2)),
    )
    n = counts["n"]
    disability = disability_improvement(cohort, rules or rule_values())
    return Outcomes(
        reviewed=n,
        mean_pain_change=None if not n else float(counts["mean"]),
        share_under_4=share(counts["under"], n),
        share_important_fall=share(counts["fall"], n),
        with_disability_change=disability["n"],
        disability_improved=disability["improved"],
        share_disability_improved=share(disability["improved"], disability["n"]),
    )


def disability_improvement(cohort, rules: dict[str, Decimal]) -> dict[str, int]:
    """Completed reviews with a stored disability change, and how many improved by at least the
    instrument's minimum detectable change (domain.md 8.2 [R75][R76b]). One query."""
    improved = Q(disability_instrument=DisabilityInstrument.ODI, disability_change__lte=-rules["odi_mdc_points"]) | Q(
        disability_instrument=DisabilityInstrument.RMDQ, disability_change__lte=-rules["rmdq_mdc_points"]
    )
    return (
        FollowUp.objects.done()
        .filter(pathway__in=cohort.values("pk"), disability_change__isnull=False)
        .aggregate(n=Count("pk"), improved=Count("pk", filter=improved))
    )
