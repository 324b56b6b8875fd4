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
    """Roles, rules, and the risk and leaflet library (all seeded by migration, but a transactional
    test elsewhere in the run flushes them)."""
    from consent.library_seed import seed_library
    from consent.models import Leaflet, Risk, RiskVersion

    seed_library(Risk, RiskVersion, Leaflet)


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
