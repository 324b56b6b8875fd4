"""The suitability assessment's gates: may imaging proceed, and G2's suitability conditions
(domain.md 2.2-2.4; NICE TA279 1.1).
"""

from __future__ import annotations

from pathway.core.choices import Stage
from pathway.core.gating import (
    ChecklistItem,
    Reason,
    checklist_item,
    missing_record,
    num,
    stage_record,
)
from pathway.core.models import Pathway
from pathway.mri.models import PosteriorWall
from pathway.mri.selectors import findings, malignant
from pathway.suitability.models import (
    NeuroExam,
    SuitabilityOutcome,
)


def gate_mri(pathway: Pathway) -> list[Reason]:
    """Entering MRI: a suitability assessment whose outcome allows imaging."""
    suitability = stage_record(pathway, Stage.SUITABILITY)
    if suitability is None:
        return missing_record(pathway, Stage.SUITABILITY)
    if suitability.outcome == SuitabilityOutcome.NOT_SUITABLE:
        return [Reason("The suitability outcome is 'not suitable', so no imaging review is needed.")]
    draft = decision_problem(suitability)
    return [draft] if draft else []


def decision_problem(suitability) -> Reason | None:
    """The decision is a consultant radiologist's (domain.md 2.3); a trainee's draft waits for one
    (domain.md 10). Not overridable: the consultant confirms it by saving the assessment."""
    if not suitability.is_draft:
        return None
    who = suitability.drafted_by.display_name if suitability.drafted_by_id else "a trainee"
    return Reason(
        f"The suitability decision is a draft by {who}: a consultant radiologist must confirm it.", overridable=False
    )


def decided_by_label(suitability) -> str:
    return f"Suitability decided by {suitability.decided_by.display_name} (consultant)"


def suitability_items(pathway: Pathway, rules: dict, *, full: bool) -> list[ChecklistItem]:
    """G2's suitability conditions. `full=False` keeps the ones that still matter on the day
    (outcome and absolute contraindications); thresholds overridden at G2 are not asked again."""
    suitability = stage_record(pathway, Stage.SUITABILITY)
    if suitability is None:
        return [checklist_item("Suitability assessment recorded", missing_record(pathway, Stage.SUITABILITY)[0])]
    items = [
        checklist_item("" if suitability.is_draft else decided_by_label(suitability), decision_problem(suitability)),
        checklist_item(
            "Suitability outcome: suitable",
            None
            if suitability.outcome == SuitabilityOutcome.SUITABLE
            else f"The suitability outcome is '{suitability.get_outcome_display().lower()}', not 'suitable'.",
        ),
    ]
    # Absolute contraindications (domain.md 2.2 [S][R12]) block and cannot be overridden.
    absolute = suitability.absolute_labels()
    items += [
        checklist_item("", Reason(f"Absolute contraindication: {label}.", overridable=False)) for label in absolute
    ]
    if not absolute:
        items.append(checklist_item("No absolute contraindication at suitability", None))
    if not full:
        return items
    # NICE TA279 1.1: pain confirmed at the fracture level on examination [A][R1].
    items.append(
        checklist_item(
            "Pain at the fracture level confirmed on examination",
            None
            if suitability.pain_at_level_on_exam
            else "Pain at the fracture level on examination is not confirmed.",
        )
    )
    # NICE TA279 1.1 / IPG12: pain refractory to optimal conservative management [A][R1][R5]; SIR [S][R15].
    failed = bool(suitability.conservative_treatment.strip() and suitability.conservative_failure_reasons)
    items.append(
        checklist_item(
            "Failed conservative management documented",
            None if failed else "Failed conservative management is not documented (treatment tried and why it failed).",
        )
    )
    # Local thresholds, overridable with a written reason (ICB policy [A-local][R11]).
    threshold = rules["pain_threshold"]
    items.append(
        checklist_item(
            f"Pain score {suitability.pain_score} meets the threshold of {num(threshold)}",
            None
            if suitability.pain_score >= threshold
            else f"Pain score {suitability.pain_score} is below the threshold of {num(threshold)}.",
        )
    )
    # Judged when the patient was assessed: NICE has no hard limit; the local one is a prompt [R4][R11].
    onset = pathway.symptom_onset_on
    age = (suitability.assessed_on - onset).days if onset and suitability.assessed_on else None
    limit = rules["fracture_age_warn_days"]
    if age is not None:
        items.append(
            checklist_item(
                f"Fracture was {age} days old at assessment (local limit {num(limit)} days)",
                None
                if age <= limit
                else f"The fracture was {age} days old at assessment, beyond the local limit of {num(limit)} days.",
            )
        )
    # Local age threshold at G2 (domain.md 2.4 [A-local][R11]; EBI adults 19 and over, domain.md 2.1 [R10]).
    youngest = rules["patient_age_min_years"]
    age_then = pathway.patient.age_on(suitability.assessed_on)
    items.append(
        checklist_item(
            f"Aged {age_then} at assessment (local minimum {num(youngest)})",
            None
            if age_then >= youngest
            else f"The patient was {age_then} at assessment, below the local minimum age of {num(youngest)}.",
        )
    )
    relative = suitability.relative_labels() + derived_relative_contraindications(pathway, suitability, rules)
    if relative and not suitability.relative_justification.strip():
        reason = f"Relative contraindication without a written justification: {'; '.join(relative)}."
        items.append(checklist_item("", reason))
    else:
        items.append(
            checklist_item("Relative contraindications justified" if relative else "No relative contraindication", None)
        )
    # MDT with a radiologist and a spinal surgeon (NICE IPG12 [A][R5]); oncologist for malignancy [A][R7].
    mdt = suitability.mdt_on and suitability.mdt_radiologist.strip() and suitability.mdt_spinal_surgeon.strip()
    items.append(
        checklist_item(
            "MDT decision recorded with a radiologist and a spinal surgeon",
            None
            if mdt
            else "No MDT decision is recorded with a radiologist and a spinal surgeon: record it in the MDT "
            "section of the suitability assessment.",
        )
    )
    if malignant(pathway) and not suitability.mdt_oncologist.strip():
        items.append(checklist_item("", "Malignant disease: the MDT decision needs an oncologist."))
    items.append(
        checklist_item(
            "Access to a spinal surgery service documented",
            None if suitability.spinal_surgery_access else "Access to a spinal surgery service is not documented.",
        )
    )
    # Measures to improve bone health (ICB policy [A-local][R11]).
    items.append(
        checklist_item(
            "Bone-health plan recorded",
            None if suitability.bone_health_plan else "No bone-health plan is recorded.",
        )
    )
    return items


def baseline_items(pathway: Pathway) -> list[ChecklistItem]:
    """The outcome baseline (domain.md 8.2): pain at rest and on activity, and the ODI or RMDQ, so
    the follow-up can measure what the procedure did. Overridable: a patient may be unable to answer."""
    suitability = stage_record(pathway, Stage.SUITABILITY)
    if suitability is None:
        return []
    missing = suitability.baseline_missing()
    if missing:
        return [checklist_item("", reason) for reason in missing]
    return [checklist_item(f"Outcome baseline recorded ({suitability.disability_display()})", None)]


def derived_relative_contraindications(pathway: Pathway, suitability, rules: dict) -> list[str]:
    """Relative contraindications that follow from the record (domain.md 2.2, 3 [S][R12][R91])."""
    found = []
    if suitability.neuro_exam == NeuroExam.ABNORMAL:
        found.append("abnormal neurological examination")
    min_remaining = rules["remaining_height_warn_pct"]
    for finding in findings(pathway):
        if not finding.treatable:
            continue
        if finding.posterior_wall == PosteriorWall.BREACHED:
            found.append(f"posterior wall breached at {finding.level}")
        remaining = finding.remaining_height_pct
        if remaining is not None and remaining < min_remaining:
            found.append(f"severe collapse at {finding.level} ({num(remaining)}% height remaining)")
    return found
