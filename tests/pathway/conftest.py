"""Pathways shared by the stage test files of this folder."""

from __future__ import annotations

import pytest

from pathway.models import Stage
from tests.factories import PathwayFactory, ProcedureFactory
from tests.pathway.preprocedure_helpers import make_ready_pathway


@pytest.fixture
def at_pre_assessment(reference_data):
    """A pathway at the pre-assessment: the suitability, MRI and pre-assessment forms can be recorded."""
    return PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)


@pytest.fixture
def ready(reference_data):
    """Meets every pre-procedure condition: suitable, T12 treatable, pre-assessed, planned in a week."""
    return make_ready_pathway()


@pytest.fixture
def pathway_with_procedure(reference_data):
    """At the follow-up with its procedure recorded: every page and action of the day can be reached."""
    return ProcedureFactory(pathway__current_stage=Stage.FOLLOW_UP).pathway
