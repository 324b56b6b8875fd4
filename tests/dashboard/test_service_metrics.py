"""Dashboard figures built on the stage records, against hand-computed values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import service_metrics
from pathway.core import state
from pathway.models import CHECKLIST_ITEMS, FollowUp, Pathway, Stage
from tests.dashboard.helpers import make_pathway
from tests.factories import (
    ComplicationFactory,
    FollowUpFactory,
    MriRequestFactory,
    MriScanFactory,
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


def test_mri_waits_run_from_the_request_date(reference_data):
    """domain.md 9 [R82]: request to scan, not the day the pathway reached the MRI stage. Waiting:
    requests 10, 41, 42 and 70 days ago, plus one with no request date (not measured); everyone
    entered the stage today, which no longer matters."""
    today = timezone.localdate()
    rules = service_metrics_rules()
    for days in (10, 41, 42, 70):
        p = make_pathway(stage=Stage.MRI)
        MriRequestFactory(pathway=p, requested_on=today - datetime.timedelta(days=days))
    make_pathway(stage=Stage.MRI)
    result = service_metrics.mri_waits(Pathway.objects.all(), today=today, rules=rules)
    assert (result.waiting, result.within, result.over, result.no_request_date) == (5, 2, 2, 1)
    assert result.share_within == pytest.approx(50.0)
    assert [p.mri_request.requested_on for p in result.longest] == [
        today - datetime.timedelta(days=70),
        today - datetime.timedelta(days=42),
    ]
    assert result.standard_pct == 99
    assert result.meets_standard is False


def test_completed_mri_waits(reference_data):
    """Scanned 41 days (within) and 42 days (6 weeks: not within) after the request, and 5 days after."""
    today = timezone.localdate()
    for waited in (5, 41, 42):
        p = make_pathway(stage=Stage.PRE_ASSESSMENT)
        MriRequestFactory(pathway=p, requested_on=today - datetime.timedelta(days=50))
        MriScanFactory(pathway=p, scanned_on=today - datetime.timedelta(days=50 - waited))
    MriScanFactory(pathway=make_pathway(stage=Stage.PRE_ASSESSMENT), request=False)  # no request: not measured
    result = service_metrics.mri_waits(Pathway.objects.all(), today=today, rules=service_metrics_rules())
    assert (result.completed, result.completed_within) == (3, 2)
    assert result.share_completed_within == pytest.approx(200 / 3)
    assert result.completed_meets_standard is False
    assert result.waiting == 0


def test_share_with_a_clinically_important_disability_improvement(reference_data):
    """ODI falls of 57.8 and 10.0 points count (minimum detectable change 10); 9.9 does not; an RMDQ
    fall of 5 counts (5), of 4 does not. A review not completed is not counted."""
    rows = [("odi", "-57.8", True), ("odi", "-10.0", True), ("odi", "-9.9", True), ("rmdq", "-5", True)]
    rows += [("rmdq", "-4", True), ("odi", "-30", False)]
    for instrument, change, done in rows:
        follow_up = FollowUpFactory(recorded=True, disability_instrument=instrument)
        FollowUp.objects.filter(pk=follow_up.pk).update(
            disability_change=Decimal(change), completed_at=timezone.now() if done else None
        )
        # QuerySet.update sends no save signal: refresh the stored state as a service's save would.
        state.refresh([follow_up.pathway_id])
    result = service_metrics.outcomes(Pathway.objects.all())
    assert (result.with_disability_change, result.disability_improved) == (5, 3)
    assert result.share_disability_improved == pytest.approx(60.0)


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


def test_consent_quality_against_the_rcr_standard(client_for, manager, reference_data):
    """Nine procedures, each judged on the consent it went ahead on; worked by hand below."""
    from consent.models import ConsentRecord, ExplainedRisk
    from tests.factories import ConsentConfirmationFactory, ConsentRecordFactory, ConsentWithdrawalFactory

    now = timezone.now()
    earlier = now - datetime.timedelta(days=3)

    def treated(*, signed_at=earlier, confirmed=True, **consent_fields):
        pathway = make_pathway(stage=Stage.FOLLOW_UP)
        ProcedureFactory(pathway=pathway)
        consent = ConsentRecordFactory(
            pathway=pathway, signed=True, signed_at=signed_at, patient_signed_at=signed_at, **consent_fields
        )
        if confirmed:
            ConsentConfirmationFactory(consent=consent, confirmed_at=now)
        return pathway, consent

    def newer_signed(older, **signed_fields):
        """A newer consent, signed, superseding `older` in the order the service keeps (one signed
        consent in force per pathway): started, supersedes the older, then signed."""
        template = ConsentRecordFactory.build(
            signed=True, pathway=older.pathway, clinician=older.clinician, operator=older.operator
        )
        newer = ConsentRecordFactory(pathway=older.pathway, risks=False)
        ConsentRecord.objects.filter(pk=older.pk).update(superseded_by=newer)
        fields = {
            name: getattr(template, name)
            for name in (
                "signed_at",
                "patient_signed_at",
                "signature_method",
                "patient_signature",
                "clinician_name",
                "clinician_job_title",
                "leaflet_title",
                "leaflet_version",
            )
        }
        ConsentRecord.objects.filter(pk=newer.pk).update(clinician=older.clinician, **{**fields, **signed_fields})
        newer.refresh_from_db()
        return newer

    treated()  # A: signed days before, confirmed on the day, every risk, leaflet version: all four
    treated()  # B: the same
    treated(signed_at=now)  # C: signed and confirmed the same day: not two-stage
    treated(confirmed=False)  # D: never confirmed: neither two-stage nor confirmed
    _, e = treated()  # E: one risk left undiscussed
    ExplainedRisk.objects.filter(pk=e.explained_risks.order_by("order").first().pk).update(discussed=False)
    treated(leaflet_version="")  # F: leaflet version not recorded
    ProcedureFactory(pathway=make_pathway(stage=Stage.FOLLOW_UP))  # G: no consent at all: fails everything
    # H: a perfect consent, then a newer one signed two days ago with no risks and no confirmation:
    # judged on the newer one (leaflet only).
    h, h_old = treated(signed_at=now - datetime.timedelta(days=10))
    newer_signed(h_old, signed_at=now - datetime.timedelta(days=2), patient_signed_at=now)
    # I: a perfect consent, then a newer one withdrawn before the procedure: judged on the perfect one.
    i, i_old = treated()
    ConsentWithdrawalFactory(consent=newer_signed(i_old), timing="before")
    # Not a procedure: a perfect consent on an untreated pathway is not counted.
    ConsentConfirmationFactory(consent=ConsentRecordFactory(pathway=make_pathway(stage=Stage.CONSENT), signed=True))

    result = service_metrics.consent_quality(Pathway.objects.all(), rules={"consent_quality_standard_pct": 95})
    assert result.procedures == 9
    assert result.without_consent == 1  # G
    assert {c.key: (c.met, c.of) for c in result.criteria} == {
        "two_stage": (5, 9),  # A B E F I
        "confirmed": (6, 9),  # A B C E F I
        "risks": (6, 9),  # A B C D F I
        "leaflet": (7, 9),  # A B C D E H I
        "all": (3, 9),  # A B I
    }
    shares = [round(c.share, 1) for c in result.criteria]
    assert shares == [55.6, 66.7, 66.7, 77.8, 33.3]
    assert [c.meets_standard for c in result.criteria] == [False] * 5

    html = client_for(manager).get("/dashboard/").content.decode()
    assert 'id="table-consent-quality"' in html
    assert '<td class="text-end">3</td><td class="text-end">9</td><td class="text-end">33.3%</td>' in html


def test_consent_quality_with_no_procedures_is_no_figure(reference_data):
    result = service_metrics.consent_quality(Pathway.objects.all(), rules={"consent_quality_standard_pct": 95})
    assert result.procedures == 0
    assert all(c.share is None and c.meets_standard is None for c in result.criteria)
