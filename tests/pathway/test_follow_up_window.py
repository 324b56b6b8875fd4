"""Follow-up in its window (issue 14 item 11, domain.md 8.1) and outcome against the baseline at
suitability (item 12, domain.md 8.2): the 4-week review cannot be completed before its window opens,
an early contact is an unscheduled contact, and the change in pain and ODI/RMDQ is stored and shown
against the minimum detectable change."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pathway.core.gating import GateClosed
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up import services as follow_up_services
from pathway.models import FollowUp, Pathway, Stage, UnscheduledContact
from pathway.suitability import gates as suitability_gates
from tests.factories import FollowUpFactory, SuitabilityAssessmentFactory

pytestmark = pytest.mark.django_db

RECORDED = {"recorded": True}


def _follow_up(due_in_days: int, **kwargs):
    follow_up = FollowUpFactory(due_on=timezone.localdate() + datetime.timedelta(days=due_in_days), **kwargs)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway)
    return FollowUp.objects.get(pk=follow_up.pk)


def test_the_review_cannot_be_completed_before_the_window_opens(reference_data, nurse):
    """Discharged today: due in 28 days, window opens in 21."""
    follow_up = _follow_up(28, **RECORDED)
    opens = follow_up.window_opens_on
    reason = (
        f"The follow-up window opens on {opens:%-d %b %Y}: the 4-week review cannot be completed before then. "
        "Record an earlier contact as an unscheduled contact."
    )
    assert follow_up_gates.gate_complete(follow_up.pathway)[0] == reason
    with pytest.raises(GateClosed) as exc:
        follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway)
    assert exc.value.reasons[0] == reason
    assert Pathway.objects.get(pk=follow_up.pathway_id).is_open


def test_a_review_dated_before_the_window_is_refused(reference_data):
    follow_up = _follow_up(0, **RECORDED)
    follow_up.reviewed_on = follow_up.window_opens_on - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        follow_up.full_clean()
    assert exc.value.message_dict["reviewed_on"] == [
        f"The follow-up window opens on {follow_up.window_opens_on:%-d %b %Y}: record an earlier contact as an "
        "unscheduled contact."
    ]
    # Written past the form (an import, an old row): the gate still refuses it.
    FollowUp.objects.filter(pk=follow_up.pk).update(reviewed_on=follow_up.reviewed_on)
    assert follow_up_gates.gate_complete(follow_up.pathway) == [
        f"The review date {follow_up.reviewed_on:%-d %b %Y} is before the follow-up window opened on "
        f"{follow_up.window_opens_on:%-d %b %Y}: record that contact as an unscheduled contact."
    ]


@pytest.mark.parametrize("due_in_days", [7, 0, -14])
def test_in_the_window_the_review_completes(reference_data, nurse, due_in_days):
    follow_up = _follow_up(due_in_days, **RECORDED)
    assert follow_up_gates.gate_complete(follow_up.pathway) == []
    follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway)
    assert not Pathway.objects.get(pk=follow_up.pathway_id).is_open


def test_an_early_contact_is_recorded_as_an_unscheduled_contact(client, reference_data, nurse):
    follow_up = _follow_up(28)
    client.force_login(nurse)
    url = reverse("pathway:unscheduled_contact_add", kwargs={"pk": follow_up.pathway_id})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "contacted_on": timezone.localdate().isoformat(),
            "method": "telephone",
            "reason": "Rang with back pain at the needle site.",
            "pain_activity": "4",
        },
    )
    assert response.status_code == 302
    contact = UnscheduledContact.objects.get()
    assert (contact.pathway_id, contact.pain_activity, contact.recorded_by) == (follow_up.pathway_id, 4, nurse)
    follow_up.refresh_from_db()
    assert follow_up.reviewed_on is None and follow_up.completed_at is None
    page = client.get(reverse("pathway:follow_up", kwargs={"pk": follow_up.pathway_id})).content.decode()
    assert "Rang with back pain at the needle site." in page


# --- outcome against the baseline --------------------------------------------------------------


def test_the_change_from_the_baseline_is_stored(reference_data):
    """Baseline (factory): rest 6, activity 8, ODI 34/45 = 75.6%. Review: rest 2, activity 3, ODI 8/45 = 17.8%."""
    follow_up = _follow_up(0, **RECORDED)
    follow_up.save()
    follow_up.refresh_from_db()
    assert (follow_up.pain_rest_change, follow_up.pain_activity_change) == (-4, -5)
    assert follow_up.disability_change == Decimal("-57.8")


def test_follow_up_page_marks_the_important_changes(client, reference_data, nurse):
    follow_up = _follow_up(0, **RECORDED)
    follow_up.pain_rest = 5  # a 1-point fall: below the 1.5-point threshold
    follow_up.save()
    client.force_login(nurse)
    response = client.get(reverse("pathway:follow_up", kwargs={"pk": follow_up.pathway_id}))
    rows = [(c.label, c.change, c.threshold, c.important) for c in response.context["changes"]]
    assert rows == [
        ("Pain at rest", Decimal("-1"), Decimal("1.50"), False),
        ("Pain on activity", Decimal("-5"), Decimal("1.50"), True),
        ("ODI", Decimal("-57.8"), Decimal("10.00"), True),
    ]
    assert 'id="outcome-changes"' in response.content.decode()


def test_rmdq_is_the_alternative_instrument(reference_data):
    follow_up = FollowUpFactory(recorded=True, disability_instrument="rmdq", rmdq_score=9)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway, disability_instrument="rmdq", rmdq_score=17)
    follow_up = FollowUp.objects.get(pk=follow_up.pk)
    follow_up.save()
    assert follow_up.disability_change == Decimal("-8")
    assert follow_up_gates.gate_complete(follow_up.pathway) == []


def test_the_follow_up_uses_the_baselines_instrument(reference_data):
    follow_up = _follow_up(0, **RECORDED)
    follow_up.disability_instrument = "rmdq"
    follow_up.rmdq_score = 5
    with pytest.raises(ValidationError) as exc:
        follow_up.full_clean()
    assert exc.value.message_dict["disability_instrument"] == [
        "The baseline used the Oswestry Disability Index (ODI): use it again so the change can be measured."
    ]


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({}, []),
        ({"baseline_pain_rest": None}, ["The baseline pain, at rest and on activity, is not recorded."]),
        (
            {**{f"odi_{n}": None for n in range(1, 4)}},
            ["Baseline: the Oswestry Disability Index needs at least 8 of its 10 sections."],
        ),
        ({"disability_instrument": "rmdq"}, ["Baseline: the RMDQ score is not recorded."]),
    ],
)
def test_g2_needs_the_outcome_baseline(reference_data, changes, reasons):
    suitability = SuitabilityAssessmentFactory(pathway__current_stage=Stage.MRI, **changes)
    assert [i.reason for i in suitability_gates.baseline_items(suitability.pathway) if not i.met] == reasons
