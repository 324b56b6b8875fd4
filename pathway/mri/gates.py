"""The MRI review's gate: G2, suitable and an unhealed concordant fracture on MRI (domain.md 2.4, 3)."""

from __future__ import annotations

from pathway.core.choices import Level, Stage
from pathway.core.gating import (
    ChecklistItem,
    Reason,
    checklist_item,
    missing_record,
    stage_record,
    unmet,
)
from pathway.core.models import Pathway, rule_values
from pathway.mri.selectors import findings
from pathway.suitability.gates import baseline_items, suitability_items


def gate_pre_assessment(pathway: Pathway) -> list[Reason]:
    """G2 (domain.md 2.4): suitable, unhealed concordant fracture on MRI, MDT agreed, no absolute
    contraindication, failed conservative management, local thresholds met or overridden."""
    rules = rule_values()
    items = suitability_items(pathway, rules, full=True) + mri_items(pathway) + request_items(pathway)
    items += baseline_items(pathway)
    return unmet(items)


def mri_items(pathway: Pathway) -> list[ChecklistItem]:
    """Imaging confirms an unhealed fracture at a level matching the exam (NICE TA279 1.1 [A][R1])."""
    if stage_record(pathway, Stage.MRI) is None:
        return [checklist_item("MRI review recorded", missing_record(pathway, Stage.MRI)[0])]
    levels = sorted((f.level for f in findings(pathway) if f.treatable), key=Level.sort_key)
    if not levels:
        return [checklist_item("", "No MRI level shows oedema concordant with the examination.")]
    return [checklist_item(f"MRI shows an unhealed fracture concordant with the exam at {', '.join(levels)}", None)]


def request_items(pathway: Pathway) -> list[ChecklistItem]:
    """The request date is recorded: the 6-week diagnostic wait runs from it (domain.md 3 metric,
    domain.md 9 [A][R82])."""
    request = getattr(pathway, "mri_request", None)
    if request is None:
        return [checklist_item("", "The date the imaging was requested is not recorded.")]
    return [checklist_item(f"Imaging requested on {request.requested_on:%-d %b %Y}", None)]
