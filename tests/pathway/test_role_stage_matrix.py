"""Who may record each stage, over HTTP (design.md sections 1 and 4).

One row per stage form: its URL name and the roles allowed to POST. Every role may GET every form
(read-only when it cannot record the stage); every other role's POST is refused with 403.
Later stages add their rows here.
"""

import pytest
from django.urls import reverse

from pathway.models import Stage
from tests.conftest import ROLES
from tests.factories import PathwayFactory

pytestmark = pytest.mark.django_db

STAGE_POST_ROLES: dict[str, set[str]] = {
    "pathway:referral": {"Radiologist", "Consultant"},
    "pathway:suitability": {"Radiologist", "Consultant"},
    "pathway:mri": {"Radiologist", "Consultant"},
    "pathway:pre_assessment": {"Nurse"},
    "pathway:procedure": {"Radiologist", "Consultant"},
    "pathway:recovery": {"Nurse"},
    "pathway:follow_up": {"Nurse", "Radiologist", "Consultant"},
}

MATRIX = [(name, role) for name in STAGE_POST_ROLES for role in ROLES]


@pytest.fixture
def pathway(reference_data):
    # At the last stage, so every stage form has been reached and can be recorded.
    return PathwayFactory(current_stage=Stage.FOLLOW_UP)


@pytest.mark.parametrize(("url_name", "persona"), MATRIX, indirect=["persona"])
def test_every_role_may_read_every_stage_form(client, pathway, url_name, persona):
    client.force_login(persona)
    response = client.get(reverse(url_name, kwargs={"pk": pathway.pk}))
    assert response.status_code == 200
    allowed = persona.groups.get().name in STAGE_POST_ROLES[url_name]
    assert response.context["can_edit"] is allowed
    # Read-only for the others: every field is disabled.
    visible = [f for f in response.context["form"].fields.values() if not f.widget.is_hidden]
    assert all(field.disabled for field in visible) is not allowed


@pytest.mark.parametrize(("url_name", "persona"), MATRIX, indirect=["persona"])
def test_only_the_recording_roles_may_post(client, pathway, url_name, persona):
    client.force_login(persona)
    response = client.post(reverse(url_name, kwargs={"pk": pathway.pk}), {})
    if persona.groups.get().name in STAGE_POST_ROLES[url_name]:
        # Allowed: the empty form comes back with its field errors (nothing saved, no 403).
        assert response.status_code == 200
        assert response.context["form"].errors
    else:
        assert response.status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, pathway):
    for url_name in STAGE_POST_ROLES:
        response = client.get(reverse(url_name, kwargs={"pk": pathway.pk}))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
