import pytest
from django.urls import reverse

from pathway.models import ExitState, PathwayStatus, Stage
from tests.factories import PathwayFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stage", "status", "shows_checklist", "note"),
    [
        (Stage.PRE_ASSESSMENT, PathwayStatus.OPEN, True, ""),
        (Stage.PROCEDURE, PathwayStatus.OPEN, True, ""),
        (Stage.RECOVERY, PathwayStatus.OPEN, False, "The procedure has been done"),
        (Stage.FOLLOW_UP, PathwayStatus.CLOSED, False, "This pathway is closed."),
    ],
)
def test_ready_for_procedure_checklist_only_before_the_procedure(
    client_for, nurse, stage, status, shows_checklist, note
):
    pathway = PathwayFactory(
        current_stage=stage,
        status=status,
        exit_state=ExitState.COMPLETED if status == PathwayStatus.CLOSED else "",
    )
    response = client_for(nurse).get(reverse("pathway:detail", args=[pathway.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Suitability assessment not yet recorded" in html) == shows_checklist
    assert note in html
