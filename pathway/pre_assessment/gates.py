"""Pre-assessment's gate: G3, bloods in range and in date, an anticoagulant plan, ECG (domain.md 4)."""

from __future__ import annotations

from django.utils import timezone

from pathway.core.choices import Stage
from pathway.core.gating import (
    ChecklistItem,
    Reason,
    checklist_item,
    missing_record,
    num,
    stage_record,
    unmet,
)
from pathway.core.models import Pathway, rule_values
from pathway.pre_assessment.models import (
    SEDATION_RISK_FACTORS,
    Allergen,
    AnaestheticReviewOutcome,
    EcgResult,
)


def gate_consent(pathway: Pathway) -> list[Reason]:
    """G3 (domain.md 4.5): pre-assessment complete. Two allowances apply before consent that do not
    apply on the day: a platelet correction plan, and warfarin patients' INR being rechecked later."""
    return unmet(pre_assessment_items(pathway, rule_values(), on_the_day=False))


BLOODS = (
    # name, value field, sample date field
    ("Haemoglobin", "hb_g_l", "hb_sampled_on"),
    ("Platelets", "platelets", "platelets_sampled_on"),
    ("INR", "inr", "inr_sampled_on"),
    ("Creatinine", "creatinine_umol_l", "renal_sampled_on"),
)


def pre_assessment_items(pathway: Pathway, rules: dict, *, on_the_day: bool) -> list[ChecklistItem]:
    """G3 (domain.md 4.5), judged on the planned procedure date (today when none is planned).

    `on_the_day=True` is the ready-for-procedure reading: every result in range and in date.
    """
    pre = stage_record(pathway, Stage.PRE_ASSESSMENT)
    if pre is None:
        return [checklist_item("Pre-assessment recorded", missing_record(pathway, Stage.PRE_ASSESSMENT)[0])]
    planned = pathway.planned_procedure_on
    items: list[ChecklistItem] = []
    if on_the_day:
        items.append(
            checklist_item(
                f"Procedure planned for {planned:%d %b %Y}" if planned else "",
                None if planned else "No procedure date is planned.",
            )
        )
    medicines = list(pre.medicines.all())
    on_warfarin = any(m.drug == "warfarin" for m in medicines)
    items += blood_items(pre, rules, planned, on_the_day=on_the_day, on_warfarin=on_warfarin)
    items += ecg_items(pre, rules)
    items += sedation_items(pre)
    # Allergies: explicit, and no PMMA allergy (domain.md 4.4, 2.2 [S][R12]).
    allergies = list(pre.allergies.all())
    if not allergies and not pre.no_known_allergies:
        items.append(checklist_item("", "Allergies are not recorded (list them, or record 'no known allergies')."))
    elif any(a.allergen == Allergen.PMMA for a in allergies):
        items.append(checklist_item("", Reason("Allergy to bone cement (PMMA) is recorded.", overridable=False)))
    else:
        items.append(checklist_item("Allergies recorded; no bone cement allergy", None))
    # Antithrombotics: a rule-made or written plan for each, or "none taken" (domain.md 4.3).
    if not medicines and not pre.no_antithrombotics:
        items.append(
            checklist_item(
                "", "Anticoagulant and antiplatelet medicines are not recorded (list them, or record 'none')."
            )
        )
    for medicine in medicines:
        items.append(medicine_item(medicine))
    if not medicines and pre.no_antithrombotics:
        items.append(checklist_item("No anticoagulant or antiplatelet medicine", None))
    # Medicines reconciliation: Required (domain.md 4.4 [S][R86]).
    items.append(
        checklist_item(
            "Medicines reconciliation done",
            None if pre.medicines_reconciled else "Medicines reconciliation is not recorded.",
        )
    )
    # Leg power and sensation before the procedure: the baseline recovery checks are compared with
    # (domain.md 7.1 [I]); taken again at sign in.
    legs_missing = "Leg power and sensation (the baseline before the procedure) are not recorded."
    items.append(checklist_item(f"Baseline legs: {pre.legs_display()}", None if pre.has_leg_checks else legs_missing))
    # Leaflet: someone stays overnight; no driving for 24 h [L].
    items.append(
        checklist_item(
            "Escort and overnight carer confirmed",
            None if pre.escort_confirmed else "Escort and overnight carer are not confirmed.",
        )
    )
    items.append(
        checklist_item(
            "Transport home arranged", None if pre.transport_home_arranged else "Transport home is not arranged."
        )
    )
    return items


def ecg_items(pre, rules: dict) -> list[ChecklistItem]:
    """ECG where domain.md 4.2 asks for one: ASA at or above the rule (default 3), or cardiovascular,
    renal or diabetic disease (NICE NG45 [A][R30]; the exact grid is unverified [U/I])."""
    why = list(pre.ecg_indications)
    if pre.asa_grade and pre.asa_grade >= rules["ecg_required_asa_min"]:
        why.insert(0, pre.get_asa_grade_display())
    if why and not pre.ecg_done:
        return [checklist_item("", f"An ECG is required ({', '.join(why)}) but not recorded.")]
    if pre.ecg_done and pre.ecg_result == EcgResult.ABNORMAL_REFER:
        return [checklist_item("", "The ECG is abnormal and needs referral before the procedure.")]
    if pre.ecg_done:
        return [checklist_item(f"ECG {pre.get_ecg_result_display().lower()}", None)]
    return []


def sedation_items(pre) -> list[ChecklistItem]:
    """Any sedation risk factor calls for an anaesthetic review before G3 (domain.md 4.4 [I]; AoMRC
    safe sedation [A][R73]); a review finding the patient not fit blocks."""
    labels = dict(SEDATION_RISK_FACTORS)
    factors = [labels.get(f, f) for f in pre.sedation_risk_factors]
    if not factors:
        return []
    named = ", ".join(factors)
    if not pre.anaesthetic_review_outcome:
        return [checklist_item("", f"Sedation risk ({named}): an anaesthetic review is needed and not recorded.")]
    if pre.anaesthetic_review_outcome == AnaestheticReviewOutcome.NOT_FIT:
        return [checklist_item("", "The anaesthetic review found the patient not fit for the procedure at present.")]
    outcome = pre.get_anaesthetic_review_outcome_display().lower()
    return [checklist_item(f"Anaesthetic review ({named}): {outcome}", None)]


def blood_items(pre, rules: dict, planned, *, on_the_day: bool, on_warfarin: bool) -> list[ChecklistItem]:
    """Each result present, within its threshold (SIR 2019 [S][R24]) and in date on the planned day."""
    day = planned or timezone.localdate()
    when = "on the planned date" if planned else "today"
    items = []
    for name, value_field, date_field in BLOODS:
        value = getattr(pre, value_field)
        sampled = getattr(pre, date_field)
        validity = rules["lab_validity_days"]
        if name == "INR" and on_warfarin:
            # Patients stopping warfarin: INR drawn within 2 days of the procedure [S][R26b]. Before
            # consent the pre-assessment INR is still on warfarin, so it is judged on the day only.
            if not on_the_day:
                days = num(rules["inr_validity_days_warfarin"])
                items.append(
                    checklist_item(f"INR to be rechecked within {days} days of the procedure (warfarin)", None)
                )
                continue
            validity = rules["inr_validity_days_warfarin"]
        if value is None or sampled is None:
            items.append(checklist_item("", f"No {name.lower() if name != 'INR' else name} result."))
            continue
        age = (day - sampled).days
        if age > validity:
            items.append(
                checklist_item("", f"{name} sample is {age} days old {when} (valid for {num(validity)} days).")
            )
            continue
        if name == "Platelets" and value < rules["platelets_min"]:
            low = f"Platelets {value} are below {num(rules['platelets_min'])}."
            if not on_the_day and pre.platelet_correction_plan.strip():
                items.append(checklist_item(f"{low[:-1]}: correction plan recorded", None))
            else:
                items.append(checklist_item("", low))
            continue
        if name == "INR" and value > rules["inr_max"]:
            items.append(checklist_item("", f"INR {num(value)} is above {num(rules['inr_max'])}."))
            continue
        items.append(checklist_item(f"{name} {num(value)} ({sampled:%d %b %Y})", None))
    return items


def medicine_item(medicine) -> ChecklistItem:
    plan = medicine.plan
    name = medicine.name
    if plan.needs_written_plan:
        if medicine.clinician_plan.strip():
            return checklist_item(f"{name}: clinician's written plan recorded", None)
        return checklist_item("", f"No plan for {name.lower()} ({plan.why}).")
    if not plan.computed:
        return checklist_item("", f"No plan for {name.lower()} ({plan.why}).")
    return checklist_item(f"{name}: last dose {plan.last_dose_on:%a %d %b %Y}", None)
