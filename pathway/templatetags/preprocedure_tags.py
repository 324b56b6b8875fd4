"""Display of the pre-procedure stages on the pathway page and the pre-assessment form."""

from django import template

from pathway import selectors, workflow
from pathway.core.choices import Stage

register = template.Library()


def _plans(pre_assessment) -> list[dict]:
    return [{"medicine": m, "plan": m.plan} for m in pre_assessment.medicines.all()]


@register.inclusion_tag("pathway/includes/medicine_plans.html")
def medicine_plans(pre_assessment):
    """Each antithrombotic's last dose day and restart advice, worked out for the planned date."""
    return {"pre": pre_assessment, "plans": _plans(pre_assessment), "pathway": pre_assessment.pathway}


@register.inclusion_tag("pathway/includes/preprocedure_summary.html")
def preprocedure_summary(pathway):
    """The key facts of the suitability, MRI and pre-assessment records."""
    suitability = workflow.stage_record(pathway, Stage.SUITABILITY)
    scan = workflow.stage_record(pathway, Stage.MRI)
    pre = workflow.stage_record(pathway, Stage.PRE_ASSESSMENT)
    return {
        "pathway": pathway,
        "suitability": suitability,
        "scan": scan,
        "findings": list(scan.findings.all()) if scan else [],
        "planned_levels": selectors.planned_levels(pathway=pathway),
        "pre": pre,
        "allergies": list(pre.allergies.all()) if pre else [],
        "plans": _plans(pre) if pre else [],
    }
