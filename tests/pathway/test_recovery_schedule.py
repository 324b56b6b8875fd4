"""Recovery observations on schedule (issue 14 item 8): the post-sedation timetable from the rules
(domain.md 7.1), missed sets flagged, and the NEWS2 escalation record that discharge needs closed
(RCP Chart 4 [R70])."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.core.gating import GateClosed
from pathway.core.models import rule_values
from pathway.models import Escalation, ObservationSet, Pathway, Rule, Stage
from pathway.recovery import gates as recovery_gates
from pathway.recovery import schedule
from pathway.recovery import services as recovery_services
from tests.accounts.helpers import login_verified
from tests.factories import ProcedureFactory, RecoveryFactory
from tests.pathway.day_helpers import ago

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def test_default_rules_give_15_min_x4_30_min_x2_then_hourly(reference_data):
    rules = rule_values()
    slots = schedule.timetable(arrived_at=T0, taken=[], rules=rules, now=at(300), discharged_at=at(300))
    assert [int((s.due_at - T0).total_seconds() // 60) for s in slots] == [0, 15, 30, 45, 60, 90, 120, 180, 240, 300]


@pytest.mark.parametrize(
    ("taken", "now", "statuses", "next_due"),
    [
        # Every set on time (a few minutes late is within the 5-minute grace).
        ([0, 15, 33], 35, ["done", "done", "done", "upcoming"], 45),
        # The 15-minute set never taken: missed once its grace is over; the next one is due.
        ([0, 32], 40, ["done", "missed", "done", "upcoming"], 45),
        # Due now: the time has come, the grace has not run out.
        ([0], 17, ["done", "due now", "upcoming"], 15),
        # Nothing since arrival: every passed time is missed.
        ([], 31, ["missed", "missed", "due now", "upcoming"], 30),
    ],
)
def test_timetable(reference_data, taken, now, statuses, next_due):
    slots = schedule.timetable(arrived_at=T0, taken=[at(m) for m in taken], rules=rule_values(), now=at(now))
    assert [s.status for s in slots] == statuses
    assert schedule.next_due(slots).due_at == at(next_due)


def test_the_schedule_follows_the_rules(reference_data):
    Rule.objects.filter(key="recovery_obs_first_count").update(value=Decimal("2"))
    Rule.objects.filter(key="recovery_obs_second_count").update(value=Decimal("0"))
    slots = schedule.timetable(arrived_at=T0, taken=[], rules=rule_values(), now=at(150), discharged_at=at(150))
    assert [int((s.due_at - T0).total_seconds() // 60) for s in slots] == [0, 15, 30, 90, 150]


def test_no_slot_after_the_discharge(reference_data):
    slots = schedule.timetable(
        arrived_at=T0, taken=[at(0), at(15)], rules=rule_values(), now=at(500), discharged_at=at(20)
    )
    assert [s.status for s in slots] == ["done", "done"]
    assert schedule.next_due(slots) is None


# --- escalation --------------------------------------------------------------------------------


def _recovery(consultant):
    procedure = ProcedureFactory(pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant)
    return procedure.pathway, RecoveryFactory(pathway=procedure.pathway)


def _obs(pathway, nurse, minutes_ago, **values):
    fields = {
        "respiration_rate": 16,
        "spo2": 97,
        "systolic_bp": 130,
        "pulse": 72,
        "temperature_c": Decimal("36.8"),
        "left_leg_power": 5,
        "right_leg_power": 5,
        "left_leg_sensation": "normal",
        "right_leg_sensation": "normal",
        **values,
    }
    observation = ObservationSet(taken_at=ago(minutes_ago), **fields)
    return recovery_services.add_observation_set(acting_user=nurse, pathway=pathway, observation=observation)


@pytest.mark.parametrize(
    ("values", "band", "label"),
    [
        ({"pulse": 115, "respiration_rate": 22, "spo2": 94}, "medium", "urgent"),  # NEWS2 5
        ({"pulse": 135, "respiration_rate": 26, "spo2": 94}, "high", "emergency"),  # NEWS2 8
    ],
)
def test_urgent_or_emergency_news2_opens_an_escalation_that_blocks_discharge(
    reference_data, nurse, consultant, values, band, label
):
    pathway, recovery = _recovery(consultant)
    alerts = _obs(pathway, nurse, 30, **values)
    assert "An escalation is open: record who was called, when, and the outcome before discharge." in alerts
    escalation = Escalation.objects.get(recovery=recovery)
    assert (escalation.band, escalation.band_label) == (band, label)
    _obs(pathway, nurse, 5)  # NEWS2 back to 0: the escalation still has to be closed
    taken = timezone.localtime(escalation.observation.taken_at)
    reason = (
        f"The {label} NEWS2 escalation (score {escalation.news2_total} at {taken:%H:%M}) is not closed: "
        "record who was called, when, and the outcome."
    )
    assert [i.reason for i in recovery_gates.discharge_items(pathway) if not i.met] == [reason]
    # Not even a consultant discharges past an open escalation.
    with pytest.raises(GateClosed) as exc:
        recovery_services.discharge(acting_user=consultant, pathway=pathway, override_reason="Looks well.")
    assert reason in exc.value.reasons
    pathway = Pathway.objects.get(pk=pathway.pk)  # as a new request would read it
    escalation.called_who = "Dr Shah, medical registrar"
    escalation.called_at = ago(28)
    escalation.outcome = "reviewed"
    recovery_services.close_escalation(
        acting_user=nurse, pathway=pathway, escalation=escalation, expected_version=escalation.version
    )
    assert [i.reason for i in recovery_gates.discharge_items(pathway) if not i.met] == []
    recovery_services.discharge(acting_user=nurse, pathway=pathway)


def test_a_low_score_opens_no_escalation(reference_data, nurse, consultant):
    pathway, _recovery_row = _recovery(consultant)
    _obs(pathway, nurse, 10, pulse=95)  # NEWS2 1
    assert not Escalation.objects.exists()


def test_closing_needs_who_when_and_outcome(reference_data, nurse, consultant):
    pathway, _recovery_row = _recovery(consultant)
    _obs(pathway, nurse, 30, pulse=115, respiration_rate=22, spo2=94)
    escalation = Escalation.objects.get()
    with pytest.raises(Exception) as exc:
        recovery_services.close_escalation(
            acting_user=nurse, pathway=pathway, escalation=escalation, expected_version=escalation.version
        )
    assert exc.value.message_dict == {
        "called_who": ["Say who was called."],
        "called_at": ["Say when they were called."],
        "outcome": ["Record the outcome."],
    }
    assert Escalation.objects.get().closed_at is None


def test_recovery_page_shows_the_timetable_and_closes_an_escalation(client, reference_data, nurse, consultant):
    pathway, _recovery_row = _recovery(consultant)
    _obs(pathway, nurse, 30, pulse=115, respiration_rate=22, spo2=94)
    escalation = Escalation.objects.get()
    login_verified(client, nurse)
    page = client.get(reverse("pathway:recovery", kwargs={"pk": pathway.pk})).content.decode()
    assert 'id="obs-timetable"' in page
    assert "observation sets missed" in page  # arrived 200 minutes ago, one set only
    assert "Next set due at" in page
    url = reverse("pathway:escalation_close", kwargs={"pk": pathway.pk, "escalation_pk": escalation.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "called_who": "Dr Shah, medical registrar",
            "called_at": timezone.localtime(ago(25)).strftime("%Y-%m-%dT%H:%M"),
            "outcome": "treated",
            "outcome_notes": "Fluids; pulse settling.",
            "expected_version": escalation.version,
        },
    )
    assert response.status_code == 302
    assert Escalation.objects.get().closed_by == nurse
