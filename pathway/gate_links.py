"""Where to put right each reason a gate gives (issue 16: every gate message links to the form that
satisfies it). The reasons are those of the stages' own item builders; this module only asks each
builder, in pathway order, which reasons are its own, so a reason is linked to the first stage form
that records what it asks for. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathway.core import providers
from pathway.core.choices import Stage
from pathway.core.models import Pathway, rule_values
from pathway.mri.gates import mri_items
from pathway.pre_assessment.gates import pre_assessment_items
from pathway.suitability.gates import suitability_items
from pathway.templatetags.pathway_tags import stage_url


@dataclass(frozen=True)
class LinkedReason:
    text: str
    stage: Stage | None
    url: str | None

    @property
    def form_label(self) -> str:
        return f"{self.stage.label} form" if self.stage else ""


def _owners(pathway: Pathway) -> dict[str, Stage]:
    rules = rule_values()
    owners: dict[str, Stage] = {}
    builders = (
        (Stage.SUITABILITY, lambda: suitability_items(pathway, rules, full=True)),
        (Stage.MRI, lambda: mri_items(pathway)),
        (Stage.PRE_ASSESSMENT, lambda: pre_assessment_items(pathway, rules, on_the_day=True)),
        (Stage.PRE_ASSESSMENT, lambda: pre_assessment_items(pathway, rules, on_the_day=False)),
        (Stage.CONSENT, lambda: providers.consent().readiness_items(pathway)),
    )
    for stage, build in builders:
        for item in build():
            if not item.met:
                owners.setdefault(str(item.reason), stage)
    return owners


def link_reasons(pathway: Pathway, reasons) -> list[LinkedReason]:
    """Each reason with the stage form that puts it right, when one is known: the stage whose item
    builder gives it, or the stage a "... not yet recorded." reason names."""
    if not reasons:
        return []
    owners = _owners(pathway)
    by_missing = {f"{stage.label} not yet recorded.": stage for stage in Stage}
    linked = []
    for reason in reasons:
        text = str(reason)
        stage = owners.get(text) or by_missing.get(text)
        if stage is not None and stage.index > pathway.stage.index:
            stage = None  # a form the pathway has not reached cannot be filled in yet
        linked.append(LinkedReason(text=text, stage=stage, url=stage_url(pathway.pk, stage.value) if stage else None))
    return linked
