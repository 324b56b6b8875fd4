"""Every dashboard figure against values worked out by hand on a small fixed data set."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import arithmetic, metrics
from pathway.models import ExitState, Pathway, Stage
from tests.dashboard.helpers import local, make_pathway

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


# --- percentiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([5], 0.9, 5),
        ([2, 4, 36], 0.5, 4),
        ([2, 4, 36], 0.25, 3),  # position 0.5: halfway from 2 to 4
        ([2, 4, 36], 0.75, 20),  # position 1.5: halfway from 4 to 36
        ([2, 4, 36], 0.9, 29.6),  # position 1.8
        ([1, 2, 3, 4], 0.5, 2.5),
    ],
)
def test_percentile_interpolates_like_postgresql_percentile_cont(values, fraction, expected):
    result = arithmetic.percentile(values, fraction)
    assert result == (None if expected is None else pytest.approx(expected))


# --- 18-week RTT -----------------------------------------------------------------------------------


@pytest.fixture
def waits(reference_data):
    """Open, untreated pathways waiting each side of every band edge (6, 12 and 18 weeks = 42, 84, 126
    days), plus pathways that must not count: treated (recovery, follow-up) and closed."""
    made = {}
    for n in (0, 41, 42, 83, 84, 125, 126, 200):
        made[n] = make_pathway(stage=Stage.MRI, referral=days_ago(n))
    make_pathway(stage=Stage.RECOVERY, referral=days_ago(300))
    make_pathway(stage=Stage.FOLLOW_UP, referral=days_ago(300))
    make_pathway(stage=Stage.SUITABILITY, referral=days_ago(300), exit_state=ExitState.NOT_SUITABLE)
    return made


def test_rtt_bands_share_and_breaches(waits):
    rtt = metrics.rtt_position(Pathway.objects.all(), today=TODAY, rules=metrics.rule_values())
    assert rtt.bands == [("0-6 weeks", 2), ("6-12 weeks", 2), ("12-18 weeks", 2), ("18+ weeks", 2)]
    assert rtt.waiting == 8
    assert rtt.within == 6
    assert rtt.share_within == pytest.approx(75.0)
    assert rtt.standard_pct == 92
    assert rtt.meets_standard is False
    assert rtt.breach_total == 2
    assert [p.pk for p in rtt.breaches] == [waits[200].pk, waits[126].pk]  # longest wait first


def test_rtt_standard_met_at_92_percent_exactly(reference_data):
    for _ in range(23):
        make_pathway(stage=Stage.REFERRAL, referral=days_ago(10))
    make_pathway(stage=Stage.REFERRAL, referral=days_ago(130))
    make_pathway(stage=Stage.REFERRAL, referral=days_ago(130))
    rtt = metrics.rtt_position(Pathway.objects.all(), today=TODAY, rules=metrics.rule_values())
    assert rtt.share_within == pytest.approx(92.0)  # 23 of 25
    assert rtt.meets_standard is True


def test_rtt_with_nobody_waiting_has_no_share_rather_than_a_made_up_one(reference_data):
    rtt = metrics.rtt_position(Pathway.objects.all(), today=TODAY, rules=metrics.rule_values())
    assert rtt.waiting == 0
    assert rtt.share_within is None
    assert rtt.meets_standard is None


# --- census and on-the-day cancellations -----------------------------------------------------------


def test_census_and_cancellations(reference_data):
    for stage, n in ((Stage.REFERRAL, 2), (Stage.MRI, 1), (Stage.FOLLOW_UP, 3)):
        for _ in range(n):
            make_pathway(stage=stage)
    closed = [
        (Stage.FOLLOW_UP, ExitState.COMPLETED),
        (Stage.SUITABILITY, ExitState.NOT_SUITABLE),
        (Stage.PROCEDURE, ExitState.DID_NOT_ATTEND),
        (Stage.PROCEDURE, ExitState.DID_NOT_ATTEND),
        (Stage.PROCEDURE, ExitState.DEFERRED_UNFIT),
        (Stage.PROCEDURE, ExitState.CONSENT_WITHDRAWN),
        (Stage.CONSENT, ExitState.CONSENT_WITHDRAWN),  # before the day: not an on-the-day cancellation
        (Stage.PROCEDURE, ExitState.DECEASED),  # not a cancellation reason
    ]
    for stage, exit_state in closed:
        make_pathway(stage=stage, exit_state=exit_state)
    census = metrics.census(Pathway.objects.all())
    assert dict(census.open_by_stage) == {
        "Referral": 2,
        "Suitability assessment": 0,
        "MRI review": 1,
        "Pre-assessment": 0,
        "Consent": 0,
        "Procedure": 0,
        "Recovery and discharge": 0,
        "4-week follow-up": 3,
    }
    assert census.open_total == 6
    exits = dict(census.closed_by_exit)
    assert exits[ExitState.DID_NOT_ATTEND.label] == 2
    assert exits[ExitState.CONSENT_WITHDRAWN.label] == 2
    assert exits[ExitState.COMPLETED.label] == 1
    assert census.closed_total == 8
    assert census.cancellations == [
        ("Did not attend", 2),
        ("Deferred (unfit)", 1),
        ("Consent withdrawn", 1),
        ("Patient declined", 0),
    ]
    assert census.cancellations_total == 4


# --- days between stages ---------------------------------------------------------------------------


@pytest.fixture
def moves(reference_data, consultant):
    """Referral -> suitability: May 2, 4 and 36 days; April 7; March 1; June 2 (across midnight at the
    month's turn, local time). Suitability -> MRI: May 10; March 3 and, after a return, 10."""
    d = datetime.date
    make_pathway(
        stage=Stage.MRI,
        referral=d(2026, 5, 1),
        actor=consultant,
        moves=[(Stage.SUITABILITY, local(d(2026, 5, 3))), (Stage.MRI, local(d(2026, 5, 13)))],
    )
    make_pathway(
        stage=Stage.SUITABILITY,
        referral=d(2026, 5, 2),
        actor=consultant,
        moves=[(Stage.SUITABILITY, local(d(2026, 5, 6)))],
    )
    make_pathway(
        stage=Stage.SUITABILITY,
        referral=d(2026, 4, 20),
        actor=consultant,
        moves=[(Stage.SUITABILITY, local(d(2026, 5, 26)))],
    )
    make_pathway(
        stage=Stage.SUITABILITY,
        referral=d(2026, 4, 1),
        actor=consultant,
        moves=[(Stage.SUITABILITY, local(d(2026, 4, 8)))],
    )
    # A return to suitability restarts its clock: MRI review is 10 days after the return, not 18.
    make_pathway(
        stage=Stage.MRI,
        referral=d(2026, 3, 1),
        actor=consultant,
        moves=[
            (Stage.SUITABILITY, local(d(2026, 3, 2))),
            (Stage.MRI, local(d(2026, 3, 5))),
            (Stage.SUITABILITY, local(d(2026, 3, 10))),
            (Stage.MRI, local(d(2026, 3, 20))),
        ],
    )
    # 00:30 on 1 June in London is 23:30 on 31 May UTC: the move belongs to June.
    late = make_pathway(stage=Stage.SUITABILITY, referral=d(2026, 5, 30), actor=consultant)
    late.transitions.filter(kind="open").update(at=local(d(2026, 5, 30), 0, 30))
    late.transitions.create(
        kind="advance",
        from_stage=Stage.REFERRAL,
        to_stage=Stage.SUITABILITY,
        acting_user=consultant,
        at=local(d(2026, 6, 1), 0, 30),
    )


def test_stage_interval_percentiles_by_month_and_overall(moves):
    result = metrics.stage_intervals(Pathway.objects.all(), today=TODAY)
    assert result.months[0] == "2025-07" and result.months[-1] == "2026-06" and len(result.months) == 12
    by_pair = {(i.from_stage, i.to_stage): i for i in result.intervals}
    referral = by_pair[(Stage.REFERRAL, Stage.SUITABILITY)]
    may = referral.by_month["2026-05"]
    assert (may.n, may.median, may.q1, may.q3, may.p90) == (
        3,
        pytest.approx(4),
        pytest.approx(3),
        pytest.approx(20),
        pytest.approx(29.6),
    )
    assert referral.by_month["2026-04"].n == 1 and referral.by_month["2026-04"].median == pytest.approx(7)
    assert referral.by_month["2026-03"].median == pytest.approx(1)
    assert referral.by_month["2026-06"].n == 1 and referral.by_month["2026-06"].median == pytest.approx(2)
    assert referral.by_month["2026-02"].n == 0 and referral.by_month["2026-02"].median is None
    # Overall: 1, 2, 2, 4, 7, 36.
    overall = referral.overall
    assert overall.n == 6
    assert overall.median == pytest.approx(3)
    assert overall.q1 == pytest.approx(2)
    assert overall.q3 == pytest.approx(6.25)
    assert overall.p90 == pytest.approx(21.5)
    mri = by_pair[(Stage.SUITABILITY, Stage.MRI)]
    assert mri.by_month["2026-03"].n == 2 and mri.by_month["2026-03"].median == pytest.approx(6.5)
    assert mri.by_month["2026-05"].median == pytest.approx(10)
    assert by_pair[(Stage.MRI, Stage.PRE_ASSESSMENT)].overall.n == 0


def test_stage_intervals_follow_the_cohort(moves, consultant, make_user):
    other = make_user("Consultant", username="other_consultant")
    Pathway.objects.filter(referral_received_on=datetime.date(2026, 4, 1)).update(responsible_consultant=other)
    cohort = Pathway.objects.filter(responsible_consultant=other)
    result = metrics.stage_intervals(cohort, today=TODAY)
    referral = result.intervals[0]
    assert referral.overall.n == 1
    assert referral.overall.median == pytest.approx(7)


def test_interval_cache_sees_a_new_movement_at_once(moves, consultant):
    cohort = Pathway.objects.all()
    before = metrics.stage_intervals(cohort, today=TODAY).intervals[0].overall.n
    pathway = Pathway.objects.filter(current_stage=Stage.SUITABILITY).first()
    pathway.transitions.create(
        kind="advance",
        from_stage=Stage.SUITABILITY,
        to_stage=Stage.MRI,
        acting_user=consultant,
        at=local(datetime.date(2026, 6, 10)),
    )
    after = metrics.stage_intervals(cohort, today=TODAY)
    assert after.intervals[0].overall.n == before
    assert after.intervals[1].by_month["2026-06"].n == 1


def test_dashboard_snapshot_is_served_as_stored_and_refreshed_after_a_write(
    reference_data, django_capture_on_commit_callbacks
):
    """The page's figures come from the stored snapshot (no aggregate runs to open it); a write marks it
    dirty and `refresh` recomputes; with nothing written since, `refresh` keeps it."""
    from dashboard import snapshot
    from tests.factories import ConsentConfirmationFactory, ConsentRecordFactory, ProcedureFactory

    pathway = make_pathway(stage=Stage.FOLLOW_UP)
    first = snapshot.refresh(force=True)
    assert snapshot.latest()[0].checklist.procedures == 0
    with django_capture_on_commit_callbacks(execute=True):
        ProcedureFactory(pathway=pathway)
    with CaptureQueriesContext(connection) as context:
        figures, stored = snapshot.latest()
    assert figures.checklist.procedures == 0  # as of the snapshot, not recomputed
    assert stored.computed_at == first.computed_at
    assert len(context.captured_queries) == 1  # the snapshot row
    assert snapshot.refresh() is not None  # a write since: recomputed
    after = snapshot.latest()[0]
    assert after.checklist.procedures == 1
    assert after.consent_quality.without_consent == 1
    assert snapshot.refresh() is None  # nothing written since: kept
    with django_capture_on_commit_callbacks(execute=True):
        signed = ConsentRecordFactory(
            pathway=pathway, signed=True, signed_at=timezone.now() - datetime.timedelta(days=2), risks=True
        )
        ConsentConfirmationFactory(consent=signed)
    snapshot.refresh()
    after = snapshot.latest()[0]
    assert after.consent_quality.without_consent == 0
    assert {c.key: c.met for c in after.consent_quality.criteria}["all"] == 1


def test_dashboard_snapshot_from_an_earlier_shape_is_recomputed(reference_data):
    """A snapshot pickled before a figure was added (here: the completed MRI waits) unpickles without
    error, so `latest` checks every stored figure has the current fields and recomputes when not,
    rather than showing the new figure's default."""
    import pickle

    from dashboard import snapshot
    from dashboard.models import DashboardSnapshot

    make_pathway(stage=Stage.FOLLOW_UP)
    stored = snapshot.refresh(force=True)
    figures = pickle.loads(stored.figures)  # noqa: S301
    del figures.mri.__dict__["completed"]
    DashboardSnapshot.objects.filter(pk=stored.pk).update(figures=pickle.dumps(figures))
    assert not snapshot._current_shape(pickle.loads(DashboardSnapshot.objects.get(pk=stored.pk).figures))  # noqa: S301
    again, row = snapshot.latest()
    assert "completed" in vars(again.mri)
    assert snapshot._current_shape(again)
    assert row.computed_at > stored.computed_at
