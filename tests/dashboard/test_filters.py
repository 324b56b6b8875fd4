"""Dashboard and pathway-list filters, sorting and pagination."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.models import ExitState, Stage
from tests.dashboard.helpers import add_record, make_pathway

pytestmark = pytest.mark.django_db

LIST = reverse("pathway:list")
DASHBOARD = reverse("dashboard:dashboard")


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def cohort(reference_data, consultant, make_user):
    other = make_user("Consultant", username="c_other")
    return {
        "mine_old": make_pathway(stage=Stage.MRI, referral=days_ago(150), responsible_consultant=consultant),
        "mine_new": make_pathway(
            stage=Stage.REFERRAL, referral=days_ago(5), responsible_consultant=consultant, aetiology="myeloma"
        ),
        "other_old": make_pathway(stage=Stage.CONSENT, referral=days_ago(130), responsible_consultant=other),
        "other_closed": make_pathway(
            stage=Stage.SUITABILITY,
            referral=days_ago(60),
            responsible_consultant=other,
            exit_state=ExitState.NOT_SUITABLE,
        ),
        "other": other,
    }


def _listed(response) -> list[int]:
    return [p.pk for p in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["mine_new", "other_closed", "other_old", "mine_old"]),  # newest referral first
        ({"stage": "mri"}, ["mine_old"]),
        ({"status": "closed"}, ["other_closed"]),
        ({"aetiology": "myeloma"}, ["mine_new"]),
        ({"overdue": "rtt"}, ["other_old", "mine_old"]),
        ({"referred_from": "$60", "referred_to": "$5"}, ["mine_new", "other_closed"]),
        ({"ordering": "referred"}, ["mine_old", "other_old", "other_closed", "mine_new"]),
        ({"ordering": "-stage"}, ["other_old", "mine_old", "other_closed", "mine_new"]),  # pathway order
    ],
)
def test_pathway_list_filters_and_sorting(client_for, manager, cohort, params, expected):
    params = {k: (days_ago(int(v[1:])).isoformat() if v.startswith("$") else v) for k, v in params.items()}
    response = client_for(manager).get(LIST, params)
    assert response.status_code == 200
    assert _listed(response) == [cohort[name].pk for name in expected]


def test_pathway_list_filters_by_consultant(client_for, manager, consultant, cohort):
    response = client_for(manager).get(LIST, {"consultant": consultant.pk})
    assert set(_listed(response)) == {cohort["mine_old"].pk, cohort["mine_new"].pk}


def test_pathway_list_overdue_procedure_date_and_blocked(client_for, manager, reference_data):
    passed = make_pathway(stage=Stage.CONSENT, planned_procedure_on=days_ago(1))
    make_pathway(stage=Stage.CONSENT, planned_procedure_on=timezone.localdate())
    make_pathway(stage=Stage.RECOVERY, planned_procedure_on=days_ago(1))  # treated: not overdue
    recorded = make_pathway(stage=Stage.SUITABILITY)
    add_record(recorded, Stage.SUITABILITY)
    make_pathway(stage=Stage.SUITABILITY)
    client = client_for(manager)
    assert _listed(client.get(LIST, {"overdue": "procedure_date"})) == [passed.pk]
    assert _listed(client.get(LIST, {"blocked": "on"})) == [recorded.pk]


def test_pathway_list_bad_input_is_a_field_error_not_a_500(client_for, manager, reference_data):
    response = client_for(manager).get(LIST, {"referred_from": "31/02/2026", "stage": "nonsense", "page": "x"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors.keys() >= {"referred_from", "stage"}


def test_pathway_list_paginates(client_for, manager, reference_data):
    for _ in range(30):
        make_pathway()
    client = client_for(manager)
    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})
    assert len(_listed(first)) == 25 and len(_listed(second)) == 5
    assert not set(_listed(first)) & set(_listed(second))


@pytest.mark.parametrize(
    ("params", "open_total", "closed_total"),
    [
        ({}, 3, 1),
        ({"consultant": "CONSULTANT"}, 2, 0),
        ({"aetiology": "myeloma"}, 1, 0),
        ({"referred_from": "$140"}, 2, 1),
    ],
)
def test_dashboard_filters_choose_the_cohort(client_for, manager, consultant, cohort, params, open_total, closed_total):
    params = {
        k: consultant.pk if v == "CONSULTANT" else (days_ago(int(v[1:])).isoformat() if v.startswith("$") else v)
        for k, v in params.items()
    }
    response = client_for(manager).get(DASHBOARD, params)
    assert response.status_code == 200
    census = response.context["figures"].census
    assert (census.open_total, census.closed_total) == (open_total, closed_total)


def test_dashboard_date_range_the_wrong_way_round_is_a_field_error(client_for, manager, cohort):
    response = client_for(manager).get(DASHBOARD, {"referred_from": days_ago(1), "referred_to": days_ago(10)})
    assert response.status_code == 200
    assert "referred_to" in response.context["filter"].form.errors


@pytest.mark.parametrize(
    ("persona", "status"),
    [("Manager", 200), ("Consultant", 200), ("Radiologist", 200), ("Nurse", 200)],
    indirect=["persona"],
)
def test_dashboard_is_open_to_managers_and_clinicians(client_for, persona, status, reference_data):
    assert client_for(persona).get(DASHBOARD).status_code == status


def test_dashboard_needs_the_dashboard_permission(client_for, make_user, reference_data):
    user = make_user(None, username="no_role")
    user.save()  # the factory saves the password only when it adds a role
    assert client_for(user).get(DASHBOARD).status_code == 403


def test_dashboard_page_has_a_table_for_every_chart(client_for, manager, cohort):
    html = client_for(manager).get(DASHBOARD).content.decode()
    charts = {part.split('"')[0] for part in html.split('data-chart="')[1:]}
    assert charts == {"chart-stages", "chart-exits", "chart-rtt", "chart-intervals", "chart-cancellations", "chart-mri"}
    for chart in charts:
        assert f'id="{chart}"' in html  # the chart's data (json_script)
        assert f'id="table-{chart.removeprefix("chart-")}"' in html  # the same figures as a table
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    # Nothing loaded from another host (a CDN): every script and stylesheet is served by the app. (A
    # plain "cdn" search failed now and then on the page's random tokens: CSRF, nonce.)
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html)
