"""What the MRI review found, for the gates of suitability and MRI."""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.gating import (
    stage_record,
)
from pathway.core.models import Aetiology, Pathway
from pathway.mri.models import MalignancyFeatures


def findings(pathway: Pathway) -> list:
    scan = stage_record(pathway, Stage.MRI)
    return [] if scan is None else list(scan.findings.all())


def malignant(pathway: Pathway) -> bool:
    if pathway.aetiology in (Aetiology.METASTATIC, Aetiology.MYELOMA):
        return True
    return any(f.malignancy_features != MalignancyFeatures.NONE for f in findings(pathway))
