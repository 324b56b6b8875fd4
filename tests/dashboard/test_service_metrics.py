"""Dashboard figures built on the stage records, against hand-computed values."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dashboard import service_metrics
from pathway.models import CHECKLIST_ITEMS, Pathway, Stage
from tests.dashboard.helpers import make_pathway
from tests.factories import (
    ComplicationFactory,
    FollowUpFactory,
    ProcedureFactory,
    SafetyChecklistItemFactory,
    SuitabilityAssessmentFactory,
)

pytestmark = pytest.mark.django_db


def test_complications_per_100_procedures_by_type_and_grade_beside_the_library(reference_data):
    from consent.models import Risk

    leak = Risk.objects.get(code=Risk.objects.order_by("order").values_list("code", flat=True).first())
    pathways = [make_pathway(stage=Stage.FOLLOW_UP) for _ in range(8)]
    for p in pathways:
        ProcedureFactory(pathway=p)
    ComplicationFactory(pathway=pathways[0], risk=leak, other_type="", grade="1")
    ComplicationFactory(pathway=pathways[1], risk=leak, other_type="", grade="1")
    ComplicationFactory(pathway=pathways[2], risk=leak, other_type="", grade="3")
    ComplicationFactory(pathway=pathways[3])  # "Vasovagal episode", CIRSE 1
    result = service_metrics.complications(Pathway.objects.all())
    assert result.procedures == 8
    assert result.total == 4
    assert result.per_100 == pytest.approx(50.0)
    rows = {(r.type, r.grade): r for r in result.rows}
    version = leak.current_version
    assert rows[(version.name, "1")].count == 2
    assert rows[(version.name, "1")].per_100 == pytest.approx(25.0)
    assert rows[(version.name, "3")].per_100 == pytest.approx(12.5)
    assert rows[(version.name, "1")].reference.startswith(version.frequency_numbers)
    assert rows[("Vasovagal episode", "1")].reference == ""


def test_outcomes_mean_pain_change_and_shares(reference_data):
    # Baseline at suitability -> pain on activity at review: 8->3 (-5), 7->6 (-1), 9->2 (-7), 6->7 (+1).
    for baseline, now in ((8, 3), (7, 6), (9, 2), (6, 7)):
        p = make_pathway(stage=Stage.FOLLOW_UP)
        SuitabilityAssessmentFactory(pathway=p, pain_score=baseline)
        FollowUpFactory(pathway=p, recorded=True, pain_activity=now, completed_at=timezone.now())
    # Not counted: a review not completed, and one with no baseline.
    p = make_pathway(stage=Stage.FOLLOW_UP)
    SuitabilityAssessmentFactory(pathway=p, pain_score=9)
    FollowUpFactory(pathway=p, recorded=True, pain_activity=0)
    FollowUpFactory(pathway=make_pathway(stage=Stage.FOLLOW_UP), recorded=True, completed_at=timezone.now())
    result = service_metrics.outcomes(Pathway.objects.all())
    assert result.reviewed == 4
    assert result.mean_pain_change == pytest.approx(-3.0)  # (-5 - 1 - 7 + 1) / 4
    assert result.share_under_4 == pytest.approx(50.0)  # 3 and 2
    assert result.share_important_fall == pytest.approx(50.0)  # -5 and -7


def test_checklist_completeness(reference_data, radiologist):
    complete = ProcedureFactory(pathway=make_pathway(stage=Stage.RECOVERY))
    partial = ProcedureFactory(pathway=make_pathway(stage=Stage.RECOVERY))
    ProcedureFactory(pathway=make_pathway(stage=Stage.RECOVERY))  # nothing answered
    for phase, items in CHECKLIST_ITEMS.items():
        for item in items:
            SafetyChecklistItemFactory(
                procedure=complete, phase=phase, item=item.code, response="yes", answered_by=radiologist
            )
            if phase == "sign_in":
                SafetyChecklistItemFactory(
                    procedure=partial, phase=phase, item=item.code, response="yes", answered_by=radiologist
                )
    result = service_metrics.checklist_completeness(Pathway.objects.all())
    assert (result.procedures, result.complete) == (3, 1)
    assert result.share_complete == pytest.approx(100 / 3)


def test_mri_waits_against_the_six_week_standard(reference_data):
    today = timezone.localdate()
    rules = service_metrics_rules()
    for days in (10, 41, 42, 70):
        p = make_pathway(stage=Stage.MRI)
        Pathway.objects.filter(pk=p.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=days))
    result = service_metrics.mri_waits(Pathway.objects.all(), today=today, rules=rules)
    assert (result.waiting, result.within, result.over) == (4, 2, 2)
    assert result.share_within == pytest.approx(50.0)
    assert result.standard_pct == 99
    assert result.meets_standard is False


def test_overdue_follow_ups(reference_data):
    today = timezone.localdate()
    overdue = FollowUpFactory(due_on=today - datetime.timedelta(days=15))
    FollowUpFactory(due_on=today - datetime.timedelta(days=14))  # window closes today: not yet overdue
    result = service_metrics.overdue_follow_ups(Pathway.objects.all(), today=today)
    assert result.total == 1
    assert [f.pk for f in result.items] == [overdue.pk]


def service_metrics_rules():
    from pathway.models import rule_values

    return rule_values()
