"""A pathway meeting every condition before the procedure, and changing one thing of it at a time:
the starting point of the gate cases in test_suitability, test_mri, test_pre_assessment and
test_procedure (the `ready` fixture in conftest.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pathway.core import state
from pathway.models import PreAssessment, Stage
from pathway.procedure import gates as procedure_gates
from tests.factories import (
    AntithromboticMedicineFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)

TODAY = timezone.localdate()
PLANNED = TODAY + datetime.timedelta(days=7)


def make_ready_pathway():
    """Meets every pre-procedure condition: suitable, T12 treatable, pre-assessed, planned in a week."""
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT, planned_procedure_on=PLANNED)
    SuitabilityAssessmentFactory(pathway=pathway)
    scan = MriScanFactory(pathway=pathway)
    MriLevelFindingFactory(scan=scan, level="T12")
    MriLevelFindingFactory(scan=scan, level="L2", oedema="absent", concordant_with_exam=False)
    PreAssessmentFactory(pathway=pathway)
    return pathway


def update(pathway, *, suitability=None, finding=None, pre=None, pathway_fields=None):
    """The pathway read afresh after changing its suitability, its T12 finding, its pre-assessment
    or its own fields."""
    if suitability:
        type(pathway.suitability).objects.filter(pk=pathway.suitability.pk).update(**suitability)
    if finding:
        pathway.mri.findings.filter(level="T12").update(**finding)
    if pre:
        PreAssessment.objects.filter(pk=pathway.pre_assessment.pk).update(**pre)
    if pathway_fields:
        type(pathway).objects.filter(pk=pathway.pk).update(**pathway_fields)
    # QuerySet.update sends no save signal: refresh the stored worklist state as a service's save would.
    state.refresh([pathway.pk])
    return type(pathway).objects.get(pk=pathway.pk)


def with_drug(pathway, drug, **kwargs):
    """The pathway with one antithrombotic medicine recorded at its pre-assessment."""
    pathway = update(pathway, pre={"no_antithrombotics": False})
    AntithromboticMedicineFactory(pre_assessment=pathway.pre_assessment, drug=drug, **kwargs)
    return type(pathway).objects.get(pk=pathway.pk)


def unmet(pathway):
    """The reasons of the pre-procedure items not met."""
    return [i.reason for i in procedure_gates.preprocedure_items(pathway) if not i.met]
