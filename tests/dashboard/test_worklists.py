"""Each role's worklists: exactly which pathways appear on which list, and where each item links."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import worklist_counts, worklists_for_user
from pathway.models import ExitState, Priority, Stage
from tests.dashboard.helpers import add_record, make_pathway

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(reference_data):
    """One pathway per situation a worklist must (or must not) pick up."""
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    p = {}
    p["referral"] = make_pathway(stage=Stage.REFERRAL, referral=today - datetime.timedelta(days=3))
    p["referral_urgent"] = make_pathway(
        stage=Stage.REFERRAL, referral=today - datetime.timedelta(days=1), priority=Priority.URGENT
    )
    p["suitability_due"] = make_pathway(stage=Stage.SUITABILITY, referral=today - datetime.timedelta(days=10))
    p["suitability_done"] = make_pathway(stage=Stage.SUITABILITY)
    add_record(p["suitability_done"], Stage.SUITABILITY)
    p["mri_due"] = make_pathway(stage=Stage.MRI)
    p["mri_done"] = make_pathway(stage=Stage.MRI)
    add_record(p["mri_done"], Stage.MRI)
    p["pre_due"] = make_pathway(stage=Stage.PRE_ASSESSMENT, planned_procedure_on=tomorrow)
    p["consent_due"] = make_pathway(stage=Stage.CONSENT, planned_procedure_on=tomorrow)
    p["consent_today"] = make_pathway(stage=Stage.CONSENT, planned_procedure_on=today)
    p["procedure_today"] = make_pathway(stage=Stage.PROCEDURE, planned_procedure_on=today)
    p["procedure_tomorrow"] = make_pathway(stage=Stage.PROCEDURE, planned_procedure_on=tomorrow)
    p["recovery"] = make_pathway(stage=Stage.RECOVERY, planned_procedure_on=today)
    p["closed_suitability"] = make_pathway(stage=Stage.SUITABILITY, exit_state=ExitState.NOT_SUITABLE)
    p["closed_today"] = make_pathway(
        stage=Stage.PROCEDURE, exit_state=ExitState.DID_NOT_ATTEND, planned_procedure_on=today
    )
    return p


def _lists(user) -> dict[str, list[int]]:
    return {wl.key: [item.pathway.pk for item in wl.items] for wl in worklists_for_user(user=user)}


def _ids(p, *names):
    return [p[n].pk for n in names]


# Which lists each role sees, and exactly what is on them, in order (design.md 1; issue 6).
EXPECTED = {
    "radiologist": {
        "suitability": ("referral_urgent", "suitability_due", "referral"),
        "mri": ("mri_due",),
        "procedure_today": ("consent_today", "procedure_today"),
    },
    "consultant": {
        "suitability": ("referral_urgent", "suitability_due", "referral"),
        "mri": ("mri_due",),
        "procedure_today": ("consent_today", "procedure_today"),
        "consent": ("consent_today", "consent_due"),
        "confirm_today": (),
        "awaiting_decision": ("suitability_done", "mri_done"),
        "reconsent": (),
    },
    "nurse": {
        "pre_assessment": ("pre_due",),
        "bloods_expiring": (),
        "recovery": ("recovery",),
        "follow_up": (),
    },
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_exactly_its_items(request, seeded, role):
    user = request.getfixturevalue(role)
    lists = _lists(user)
    expected = {key: _ids(seeded, *names) for key, names in EXPECTED[role].items()}
    assert set(lists) == set(expected)
    for key, ids in expected.items():
        if key == "awaiting_decision":
            assert sorted(lists[key]) == sorted(ids), key
        else:
            assert lists[key] == ids, key


def test_manager_has_no_worklists_but_the_service_summary(client_for, manager, seeded):
    assert worklists_for_user(user=manager) == []
    response = client_for(manager).get("/")
    assert response.status_code == 200
    assert reverse("dashboard:dashboard") in response.content.decode()
    assert response.context["census"].open_total == 12


def test_closed_pathways_never_appear(radiologist, consultant, nurse, seeded):
    closed = {seeded["closed_suitability"].pk, seeded["closed_today"].pk}
    for user in (radiologist, consultant, nurse):
        for ids in _lists(user).values():
            assert not closed & set(ids)


def test_counts_match_lists_and_feed_the_nav_badge(client_for, consultant, nurse, seeded):
    counts = worklist_counts(user=consultant)
    assert counts == {
        "suitability": 3,
        "mri": 1,
        "procedure_today": 2,
        "consent": 2,
        "confirm_today": 0,
        "awaiting_decision": 2,
        "reconsent": 0,
    }
    response = client_for(nurse).get(reverse("pathway:list"))
    assert response.context["nav_counts"].total == 2
    assert 'My worklist <span class="badge text-bg-light">2</span>' in response.content.decode()


def test_items_link_to_the_form_that_clears_them(consultant, seeded):
    lists = {wl.key: wl for wl in worklists_for_user(user=consultant)}
    urls = {(key, item.pathway.pk): item.url for key, wl in lists.items() for item in wl.items}
    detail = lambda p: reverse("pathway:detail", kwargs={"pk": p.pk})  # noqa: E731
    # A referral has not reached suitability yet: its pathway page moves it on.
    assert urls[("suitability", seeded["referral"].pk)] == detail(seeded["referral"])
    # A pathway at the stage links to that stage's form (or its page until the form exists).
    suitability_form = reverse("pathway:suitability", kwargs={"pk": seeded["suitability_due"].pk})
    assert urls[("suitability", seeded["suitability_due"].pk)] == suitability_form
    assert urls[("mri", seeded["mri_due"].pk)] == reverse("pathway:mri", kwargs={"pk": seeded["mri_due"].pk})
    # A decision is taken on the pathway page, where the gate's reasons are shown.
    assert urls[("awaiting_decision", seeded["mri_done"].pk)] == detail(seeded["mri_done"])


def test_worklist_page_shows_each_list_with_links(client_for, radiologist, seeded):
    response = client_for(radiologist).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for key in ("suitability", "mri", "procedure_today"):
        assert f'data-worklist="{key}"' in html
    assert 'data-worklist="consent"' not in html
    assert reverse("pathway:mri", kwargs={"pk": seeded["mri_due"].pk}) in html


def test_long_list_shows_first_items_and_the_total(nurse, reference_data):
    for _ in range(5):
        make_pathway(stage=Stage.RECOVERY)
    (recovery,) = [wl for wl in worklists_for_user(user=nurse, limit=3) if wl.key == "recovery"]
    assert len(recovery.items) == 3
    assert recovery.total == 5


def _items(user, key):
    (worklist,) = [wl for wl in worklists_for_user(user=user) if wl.key == key]
    return worklist


def test_consents_to_take_and_to_confirm_today(consultant, reference_data):
    from tests.factories import ConsentConfirmationFactory, ConsentRecordFactory

    today = timezone.localdate()
    no_consent = make_pathway(stage=Stage.CONSENT, planned_procedure_on=today)
    draft = make_pathway(stage=Stage.CONSENT)
    ConsentRecordFactory(pathway=draft)
    signed_today = make_pathway(stage=Stage.CONSENT, planned_procedure_on=today)
    ConsentRecordFactory(pathway=signed_today, signed=True)
    confirmed_today = make_pathway(stage=Stage.PROCEDURE, planned_procedure_on=today)
    ConsentConfirmationFactory(consent=ConsentRecordFactory(pathway=confirmed_today, signed=True))
    signed_later = make_pathway(stage=Stage.PROCEDURE, planned_procedure_on=today + datetime.timedelta(days=3))
    ConsentRecordFactory(pathway=signed_later, signed=True)
    consent = _items(consultant, "consent")
    assert [i.pathway.pk for i in consent.items] == [no_consent.pk, draft.pk]
    confirm = _items(consultant, "confirm_today")
    assert [i.pathway.pk for i in confirm.items] == [signed_today.pk]
    assert confirm.items[0].url == reverse("consent:consent", kwargs={"pk": signed_today.pk})


def test_bloods_out_of_date_by_the_procedure_day(nurse, reference_data):
    from tests.factories import PreAssessmentFactory

    today = timezone.localdate()
    planned = today + datetime.timedelta(days=10)
    # Validity 28 days (rule lab_validity_days): a sample 38 days before the procedure day is stale,
    # one exactly 28 days before is still valid on the day.
    stale = make_pathway(stage=Stage.CONSENT, planned_procedure_on=planned)
    PreAssessmentFactory(pathway=stale, inr_sampled_on=planned - datetime.timedelta(days=29))
    valid = make_pathway(stage=Stage.CONSENT, planned_procedure_on=planned)
    PreAssessmentFactory(
        pathway=valid,
        hb_sampled_on=planned - datetime.timedelta(days=28),
        platelets_sampled_on=planned - datetime.timedelta(days=28),
        inr_sampled_on=planned - datetime.timedelta(days=28),
        renal_sampled_on=planned - datetime.timedelta(days=28),
    )
    past = make_pathway(stage=Stage.CONSENT, planned_procedure_on=today - datetime.timedelta(days=1))
    PreAssessmentFactory(pathway=past, inr_sampled_on=today - datetime.timedelta(days=60))
    treated = make_pathway(stage=Stage.RECOVERY, planned_procedure_on=planned)
    PreAssessmentFactory(pathway=treated, inr_sampled_on=planned - datetime.timedelta(days=60))
    bloods = _items(nurse, "bloods_expiring")
    assert [i.pathway.pk for i in bloods.items] == [stale.pk]
    assert bloods.items[0].url == reverse("pathway:pre_assessment", kwargs={"pk": stale.pk})


def test_follow_ups_due_and_overdue(nurse, radiologist, reference_data):
    from tests.factories import FollowUpFactory

    today = timezone.localdate()
    due = FollowUpFactory(due_on=today).pathway
    overdue = FollowUpFactory(due_on=today - datetime.timedelta(days=20)).pathway
    FollowUpFactory(due_on=today + datetime.timedelta(days=20))  # window not open yet
    FollowUpFactory(due_on=today - datetime.timedelta(days=20), recorded=True, completed_at=timezone.now())
    follow_up = _items(nurse, "follow_up")
    assert [(i.pathway.pk, i.flagged) for i in follow_up.items] == [(overdue.pk, True), (due.pk, False)]
    assert follow_up.items[0].url == reverse("pathway:follow_up", kwargs={"pk": overdue.pk})
    assert "follow_up" not in {wl.key for wl in worklists_for_user(user=radiologist)}


# --- urgent first, counts, and the whole list a page at a time (issue 16) --------------------------


def test_urgent_patients_come_first_on_every_list_even_without_a_date(consultant, nurse, reference_data):
    """An urgent patient with no planned date is not sorted after every dated one (dates sort
    nulls last); on each list the urgent ones lead, then the list's own order."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=2)
    dated = make_pathway(stage=Stage.CONSENT, planned_procedure_on=soon)
    urgent_undated = make_pathway(stage=Stage.CONSENT, priority=Priority.URGENT)
    undated = make_pathway(stage=Stage.CONSENT)
    urgent_dated = make_pathway(stage=Stage.CONSENT, planned_procedure_on=soon, priority=Priority.URGENT)
    consent = _items(consultant, "consent")
    assert [i.pathway.pk for i in consent.items] == [urgent_dated.pk, urgent_undated.pk, dated.pk, undated.pk]
    pre_plain = make_pathway(stage=Stage.PRE_ASSESSMENT, planned_procedure_on=soon)
    pre_urgent = make_pathway(stage=Stage.PRE_ASSESSMENT, priority=Priority.URGENT)
    pre = _items(nurse, "pre_assessment")
    assert [i.pathway.pk for i in pre.items] == [pre_urgent.pk, pre_plain.pk]
    recovery_plain = make_pathway(stage=Stage.RECOVERY)
    recovery_urgent = make_pathway(stage=Stage.RECOVERY, priority=Priority.URGENT)
    recovery = _items(nurse, "recovery")
    assert [i.pathway.pk for i in recovery.items] == [recovery_urgent.pk, recovery_plain.pk]


def test_priority_changed_later_moves_the_patient_up_the_list(consultant, reference_data):
    """The stored state (PathwayState.urgent) follows the pathway's priority when it is edited."""
    first = make_pathway(stage=Stage.MRI)
    second = make_pathway(stage=Stage.MRI)
    assert [i.pathway.pk for i in _items(consultant, "mri").items] == [first.pk, second.pk]
    second.priority = Priority.URGENT
    second.save()
    assert [i.pathway.pk for i in _items(consultant, "mri").items] == [second.pk, first.pk]


@pytest.fixture
def thirty_in_recovery(reference_data):
    plain = [make_pathway(stage=Stage.RECOVERY) for _ in range(28)]
    urgent = [make_pathway(stage=Stage.RECOVERY, priority=Priority.URGENT) for _ in range(2)]
    return [*urgent, *plain]


def test_home_shows_the_total_and_a_see_all_link_when_the_list_is_longer(client_for, nurse, thirty_in_recovery):
    response = client_for(nurse).get("/")
    html = response.content.decode()
    (recovery,) = [wl for wl in response.context["worklists"] if wl.key == "recovery"]
    assert (len(recovery.rows), recovery.total) == (20, 30)
    assert list(recovery.rows.pathway_ids) == [p.pk for p in thirty_in_recovery[:20]]
    assert "Showing the first 20 of 30, urgent first." in html
    assert f'href="{reverse("dashboard:worklist", kwargs={"key": "recovery"})}" data-see-all>See all 30' in html
    # A short list has no link.
    assert html.count("data-see-all") == 1


def test_the_whole_list_a_page_at_a_time_in_order(client_for, nurse, thirty_in_recovery):
    client = client_for(nurse)
    url = reverse("dashboard:worklist", kwargs={"key": "recovery"})
    first = client.get(url)
    assert first.status_code == 200
    second = client.get(url, {"page": 2})
    shown = [i.pathway.pk for r in (first, second) for i in r.context["items"]]
    assert shown == [p.pk for p in thirty_in_recovery]
    assert len(first.context["items"]) == 25 and first.context["total"] == 30
    html = first.content.decode()
    assert "1–25 of 30 patients." in html and "Page 1 of 2" in html and "?page=2" in html
    assert "26–30 of 30 patients." in second.content.decode()
    # Bad page numbers give the nearest page, never an error.
    assert client.get(url, {"page": "x"}).context["page_obj"].number == 1
    assert client.get(url, {"page": 99}).context["page_obj"].number == 2


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("nurse", "recovery", 200),
        ("nurse", "consent", 403),
        ("radiologist", "consent", 403),
        ("radiologist", "suitability", 200),
        ("consultant", "confirm_today", 200),
        ("consultant", "follow_up", 403),
        ("manager", "suitability", 403),
        ("nurse", "no-such-list", 404),
    ],
)
def test_a_list_is_shown_only_to_those_it_is_for(request, client_for, reference_data, role, key, status):
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("dashboard:worklist", kwargs={"key": key}))
    assert response.status_code == status


def test_a_list_page_logs_the_patients_it_shows(client_for, nurse, thirty_in_recovery):
    from pathway.core.access_log import PatientAccess

    client_for(nurse).get(reverse("dashboard:worklist", kwargs={"key": "recovery"}), {"page": 2})
    rows = PatientAccess.objects.all()
    assert sorted(r.pathway_id for r in rows) == sorted(p.pk for p in thirty_in_recovery[25:])
    assert {r.what for r in rows} == {"worklist"}
