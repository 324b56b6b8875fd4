"""The shared cache is invalidated narrowly: a write invalidates the counts of the worklists its
pathway was or is now on, never another role's unrelated lists; and recomputing is single flight."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.selectors import worklist_counts
from pathway import workflow
from pathway.core import cache as shared
from pathway.models import Stage
from pathway.recovery import services as recovery_services
from pathway.recovery.models import ObservationSet
from tests.dashboard.helpers import make_pathway
from tests.factories import ProcedureFactory, RecoveryFactory

pytestmark = pytest.mark.django_db

# Normal observations (NEWS2 0), as tests.factories.ObservationSetFactory builds them.
NORMAL_OBSERVATIONS = {
    "respiration_rate": 16,
    "spo2": 97,
    "systolic_bp": 132,
    "diastolic_bp": 78,
    "pulse": 74,
    "consciousness": "A",
    "temperature_c": Decimal("36.7"),
    "pain_nrs": 3,
    "left_leg_power": 5,
    "right_leg_power": 5,
    "left_leg_sensation": "normal",
    "right_leg_sensation": "normal",
    "puncture_site": "dry",
}


def _counts_queries(user) -> tuple[dict[str, int], int]:
    with CaptureQueriesContext(connection) as context:
        counts = worklist_counts(user=user)
    return counts, len(context.captured_queries)


def test_a_nurses_observation_leaves_the_consultants_counts_cached(
    reference_data, consultant, nurse, django_capture_on_commit_callbacks
):
    in_recovery = ProcedureFactory(pathway__current_stage=Stage.RECOVERY).pathway
    RecoveryFactory(pathway=in_recovery)
    at_consent = make_pathway(stage=Stage.CONSENT)
    consultant_counts, _ = _counts_queries(consultant)
    nurse_counts, _ = _counts_queries(nurse)
    assert consultant_counts["consent"] == 1
    assert nurse_counts["recovery"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        recovery_services.add_observation_set(
            acting_user=nurse,
            pathway=in_recovery,
            observation=ObservationSet(taken_at=timezone.now(), **NORMAL_OBSERVATIONS),
        )
    # Neither list's membership changed: both roles' counts are still served from the cache.
    assert _counts_queries(consultant) == (consultant_counts, 0)
    assert _counts_queries(nurse) == (nurse_counts, 0)

    # Moving the consent pathway on changes the consultant's lists only: the nurse's stay cached.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.close(pathway=at_consent, exit_state="patient_declined", acting_user=consultant, reason="Declined")
    counts, queries = _counts_queries(consultant)
    assert counts["consent"] == 0 and queries == 1
    assert _counts_queries(nurse) == (nurse_counts, 0)


def test_recomputing_is_single_flight(db):
    """While one caller holds the recomputation lock, the others serve the previous value."""
    calls = []
    assert shared.single_flight("t:family:1", lambda: calls.append(1) or "first", timeout=60) == "first"
    cache.add("t:family:2:lock", 1)  # someone else is recomputing generation 2
    assert shared.single_flight("t:family:2", lambda: calls.append(2) or "second", timeout=60) == "first"
    assert calls == [1]
    cache.delete("t:family:2:lock")
    assert shared.single_flight("t:family:2", lambda: calls.append(2) or "second", timeout=60) == "second"
    assert calls == [1, 2]


def test_a_previous_value_is_served_only_while_recent(db, monkeypatch):
    """A value computed long ago (a list nobody opened since yesterday) is not served as the previous
    value: the caller computes the current one."""
    now = [1_000_000.0]
    monkeypatch.setattr(shared.time, "time", lambda: now[0])
    assert shared.single_flight("t:old:1", lambda: "yesterday", timeout=60) == "yesterday"
    now[0] += shared.STALE_SERVE_SECONDS + 1
    cache.add("t:old:2:lock", 1)  # someone else is recomputing generation 2
    assert shared.single_flight("t:old:2", lambda: "today", timeout=60) == "today"


def test_a_generation_bump_touches_only_its_names(db):
    before = shared.generations(["a", "b"])
    shared.bump(["a"])
    after = shared.generations(["a", "b"])
    assert after["a"] != before["a"]
    assert after["b"] == before["b"]
