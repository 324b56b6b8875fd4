"""A pathway waiting at the consent stage: suitable, T12 treatable on MRI, pre-assessed, listed today."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pathway.models import Stage
from tests.factories import (
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)


@pytest.fixture
def library(reference_data):
    """The risk and leaflet library (part of the reference data)."""


@pytest.fixture
def make_ready_pathway(db, library):
    def make(levels=("T12",), **pre_kwargs):
        pathway = PathwayFactory(current_stage=Stage.CONSENT, planned_procedure_on=timezone.localdate())
        SuitabilityAssessmentFactory(pathway=pathway, suspected_levels=list(levels))
        scan = MriScanFactory(pathway=pathway)
        for level in levels:
            MriLevelFindingFactory(scan=scan, level=level)
        PreAssessmentFactory(pathway=pathway, **pre_kwargs)
        return pathway

    return make


@pytest.fixture
def ready_pathway(make_ready_pathway):
    return make_ready_pathway()
