"""No page's number of queries grows with the rows it shows: the same count for 1 and for 50 rows on
every worklist (My worklist, and each list in full, its first and second page), the pathway list, the
dashboard and the CSV export. The rows are built once for the
module: 1 of everything, counted, then 49 more, counted again by each test."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import specs_for_user
from pathway.models import ExitState, Stage
from tests.dashboard.helpers import add_record, local, make_pathway
from tests.factories import ConsentRecordFactory, FollowUpFactory, MriRequestFactory, PreAssessmentFactory

pytestmark = pytest.mark.django_db


def populate(n: int, actor) -> None:
    """n pathways on every worklist and in every dashboard table (breaches, cancellations, intervals)."""
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=200)
    for _ in range(n):
        for stage in (Stage.REFERRAL, Stage.SUITABILITY, Stage.MRI, Stage.PRE_ASSESSMENT, Stage.CONSENT):
            make_pathway(
                stage=stage,
                referral=long_ago,
                actor=actor,
                moves=[(Stage.SUITABILITY, local(long_ago + datetime.timedelta(days=3)))],
            )
        make_pathway(stage=Stage.PROCEDURE, planned_procedure_on=today)
        make_pathway(stage=Stage.RECOVERY)
        waiting = make_pathway(stage=Stage.MRI)
        MriRequestFactory(pathway=waiting, requested_on=long_ago)  # on the longest-waits list
        recorded = make_pathway(stage=Stage.MRI)
        add_record(recorded, Stage.MRI)
        make_pathway(stage=Stage.PROCEDURE, exit_state=ExitState.DID_NOT_ATTEND)
        signed = make_pathway(stage=Stage.CONSENT, planned_procedure_on=today)
        ConsentRecordFactory(pathway=signed, signed=True, risks=False)
        listed = today + datetime.timedelta(days=5)
        stale = make_pathway(stage=Stage.CONSENT, planned_procedure_on=listed)
        PreAssessmentFactory(pathway=stale, inr_sampled_on=listed - datetime.timedelta(days=40))
        FollowUpFactory(due_on=today)


def _queries(client, url: str) -> tuple[int, int]:
    """The page's queries drawn from the records (the cached parts cleared) and then served again
    (from the cached parts): neither may grow with the rows."""
    from django.core.cache import cache

    client.get(url)  # warm up (session, first-request work)
    counts = []
    for clear in (True, False):
        if clear:
            cache.clear()
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        counts.append(len(context.captured_queries))
    return tuple(counts)


PAGES = [
    "/",
    reverse("dashboard:dashboard"),
    reverse("pathway:list"),
    reverse("pathway:list") + "?blocked=on&overdue=any",
]
ROLES = ["radiologist", "consultant", "nurse", "manager"]


def _dashboard_queries() -> int:
    """The dashboard figures computed in full (not from the cache)."""
    from dashboard import metrics
    from pathway.models import Pathway

    with CaptureQueriesContext(connection) as context:
        metrics.dashboard(Pathway.objects.all())
    return len(context.captured_queries)


@pytest.fixture(scope="module", autouse=True)
def _no_background_refresh():
    """A snapshot older than REFRESH_AFTER_SECONDS starts a refresh on the next opening (its check is a
    query of its own): on a loaded machine the module can take longer than that between the two
    counts, which made the counts depend on the clock. Counted here: the page as it serves a snapshot."""
    from accounts import middleware
    from dashboard import snapshot

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "REFRESH_AFTER_SECONDS", 24 * 60 * 60)
        # Likewise the session's last activity, written at most every 15 s (three queries of its
        # own on whichever request comes 15 s after the last write: 12 against 9 on a loaded machine).
        patch.setattr(middleware, "write_interval", lambda idle_s: 24 * 60 * 60)
        yield


@pytest.fixture(scope="module")
def counted(module_db):
    """Built once for the module (the tests only read): with 1 row of everything, each role's query
    count of each page and the count of the dashboard computed in full; then 49 more rows, for each
    test to count again. Each role keeps its own logged-in client throughout, as one test did."""
    from django.core.cache import cache
    from django.test import Client

    from tests.conftest import make_named_user

    users = {role: make_named_user(role) for role in ROLES}
    clients, pages = {}, {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
        pages[role] = PAGES + ([reverse("dashboard:export")] if user.has_perm("pathway.export_pathways") else [])
        for spec in specs_for_user(user):
            url = reverse("dashboard:worklist", kwargs={"key": spec.key})
            pages[role] += [url, url + "?page=2"]
    populate(1, users["consultant"])
    one = {}
    for role in ROLES:
        cache.clear()  # each role counted from the state a test of its own would start in
        one[role] = {url: _queries(clients[role], url) for url in pages[role]}
    cache.clear()
    one_dashboard = _dashboard_queries()
    populate(49, users["consultant"])
    return SimpleNamespace(clients=clients, pages=pages, one=one, one_dashboard=one_dashboard)


@pytest.mark.parametrize("role", ROLES)
def test_query_count_is_the_same_for_1_and_50_rows(counted, role):
    client = counted.clients[role]
    fifty = {url: _queries(client, url) for url in counted.pages[role]}
    assert fifty == counted.one[role]
    # And the lists really hold 50 rows now (20 shown per worklist, 25 per page).
    response = client.get("/")
    for worklist in response.context["worklists"]:
        assert worklist.total >= 50, worklist.key
        second = client.get(reverse("dashboard:worklist", kwargs={"key": worklist.key}), {"page": 2})
        assert second.context["page_obj"].number == 2 and len(second.context["rows"]) == 25, worklist.key


def test_dashboard_figures_computed_in_full_take_the_same_queries_for_1_and_50(counted):
    """The page is usually served from the cache; the computation behind it must not grow either."""
    assert _dashboard_queries() == counted.one_dashboard
