"""The stored worklist state (pathway.core.state): written by the writes themselves, rebuilt by
`manage.py rebuild_pathway_state`, and checked against the records by `--check`. (After every
database test, tests/conftest.py checks that the stored state equals the rebuilt one.)"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pathway import workflow
from pathway.core import state
from pathway.models import PathwayState, Stage
from tests.dashboard.helpers import add_record, make_pathway

pytestmark = pytest.mark.django_db


def test_a_workflow_move_updates_the_state_in_its_own_transaction(reference_data, consultant):
    pathway = make_pathway(stage=Stage.SUITABILITY)
    assert PathwayState.objects.get(pathway=pathway).awaiting_suitability
    add_record(pathway, Stage.SUITABILITY)
    row = PathwayState.objects.get(pathway=pathway)
    assert (row.awaiting_suitability, row.awaiting_decision) == (False, True)
    workflow.close(pathway=pathway, exit_state="not_suitable", acting_user=consultant, reason="Not suitable")
    row = PathwayState.objects.get(pathway=pathway)
    assert (row.is_open, row.awaiting_decision) == (False, False)


def test_rebuild_restores_a_damaged_state_and_check_finds_it(reference_data, capsys):
    pathways = [make_pathway(stage=stage) for stage in (Stage.REFERRAL, Stage.MRI, Stage.RECOVERY)]
    call_command("rebuild_pathway_state", "--check")
    PathwayState.objects.filter(pathway=pathways[1]).update(mri_to_review=False, stage="referral")
    PathwayState.objects.filter(pathway=pathways[2]).delete()
    with pytest.raises(CommandError, match="2 of 3 pathways differ"):
        call_command("rebuild_pathway_state", "--check")
    call_command("rebuild_pathway_state")
    call_command("rebuild_pathway_state", "--check")
    assert "matches their records" in capsys.readouterr().out
    ids = [p.pk for p in pathways]
    assert state.stored(ids) == state.compute(ids)
