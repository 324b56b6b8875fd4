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


def test_change_history_names_each_field_with_old_and_new_values_who_and_when(consultant, client_for):
    """Issue 16: a history row says what changed, from what to what, by whom and when."""
    pathway = PathwayFactory(priority="routine")
    pathway.priority = "urgent"
    pathway._history_user = consultant
    pathway.version += 1
    pathway.save()
    patient = pathway.patient
    patient.family_name = "Newname"
    patient.save()
    response = client_for(consultant).get(reverse("pathway:detail", args=[pathway.pk]))
    html = response.content.decode()
    assert "<strong>Priority</strong>: Routine <span aria-label=\"changed to\">→</span> Urgent" in html
    assert "<strong>Family name</strong>:" in html and "Newname" in html
    assert consultant.display_name in html
    assert "<strong>Version</strong>" not in html  # bookkeeping fields are left out
