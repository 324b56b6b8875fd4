"""Who may use the day's sub-pages and actions, over HTTP; GETs render for every role."""

import pytest
from django.urls import reverse

from pathway.models import Stage
from tests.conftest import ROLES
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

# URL name, extra URL kwargs, method, roles allowed.
ACTIONS = [
    ("pathway:safety_checklist", {"phase": "sign_in"}, "post", {"Radiologist", "Consultant"}),
    ("pathway:treated_level_add", {}, "post", {"Radiologist", "Consultant"}),
    ("pathway:complication_add", {}, "post", {"Radiologist", "Consultant", "Nurse"}),
    ("pathway:observation_set_add", {}, "post", {"Nurse"}),
    ("pathway:discharge", {}, "post", {"Nurse", "Consultant"}),
    ("pathway:follow_up_complete", {}, "post", {"Nurse", "Radiologist", "Consultant"}),
    ("pathway:discharge_sheet", {}, "get", set(ROLES)),
]
PAGES = [
    "pathway:safety_checklist",
    "pathway:treated_level_add",
    "pathway:complications",
    "pathway:observation_set_add",
]


@pytest.fixture
def pathway(reference_data):
    return ProcedureFactory(pathway__current_stage=Stage.FOLLOW_UP).pathway


@pytest.mark.parametrize(
    ("url_name", "kwargs", "method", "allowed", "persona"),
    [(*row, role) for row in ACTIONS for role in ROLES],
    indirect=["persona"],
)
def test_day_actions_by_role(client, pathway, url_name, kwargs, method, allowed, persona):
    client.force_login(persona)
    url = reverse(url_name, kwargs={"pk": pathway.pk, **kwargs})
    response = getattr(client, method)(url, {})
    if persona.groups.get().name in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("url_name", PAGES)
@pytest.mark.parametrize("persona", ROLES, indirect=True)
def test_day_pages_render_for_every_role(client, pathway, url_name, persona):
    client.force_login(persona)
    kwargs = {"phase": "sign_in"} if url_name == "pathway:safety_checklist" else {}
    assert client.get(reverse(url_name, kwargs={"pk": pathway.pk, **kwargs})).status_code == 200


def test_unknown_checklist_phase_is_404(client, pathway, radiologist):
    client.force_login(radiologist)
    assert (
        client.get(reverse("pathway:safety_checklist", kwargs={"pk": pathway.pk, "phase": "debrief"})).status_code
        == 404
    )
