"""Builders for the day and after: a pathway ready for the procedure, checklist phases answered."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pathway.models import CHECKLIST_ITEMS, ChecklistPhase, Stage
from pathway.procedure import services as procedure_services
from tests.factories import (
    ConsentConfirmationFactory,
    ConsentRecordFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)


def seed_library() -> None:
    """The risk and leaflet library (seeded by migration; transactional tests flush it)."""
    from consent.library_seed import seed_library as seed
    from consent.models import Leaflet, Risk, RiskVersion

    if not Risk.objects.exists():
        seed(Risk, RiskVersion, Leaflet)


def make_day_pathway(*, levels=("T12",), consented=None, stage=Stage.PROCEDURE, patient=None, **pre_kwargs):
    """A pathway at `stage`, listed today, with T12 (by default) treatable, pre-assessed, and a
    signed consent for `consented` (default: the same levels) confirmed today by the operator."""
    seed_library()
    extra = {"patient": patient} if patient else {}
    pathway = PathwayFactory(current_stage=stage, planned_procedure_on=timezone.localdate(), **extra)
    SuitabilityAssessmentFactory(pathway=pathway, suspected_levels=list(levels))
    scan = MriScanFactory(pathway=pathway)
    for level in levels:
        MriLevelFindingFactory(scan=scan, level=level)
    PreAssessmentFactory(pathway=pathway, **pre_kwargs)
    consent = ConsentRecordFactory(pathway=pathway, signed=True, levels=list(consented or levels))
    ConsentConfirmationFactory(consent=consent)
    return pathway


def all_yes(phase) -> dict[str, str]:
    return {item.code: "yes" for item in CHECKLIST_ITEMS[ChecklistPhase(phase)]}


def answer(pathway, phase, user, **kwargs):
    kwargs.setdefault("answers", all_yes(phase))
    if ChecklistPhase(phase) == ChecklistPhase.SIGN_IN:
        kwargs.setdefault("pregnancy_status", "not_applicable")
    return procedure_services.record_checklist_phase(acting_user=user, pathway=pathway, phase=phase, **kwargs)


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)
