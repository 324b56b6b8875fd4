"""Gates before the procedure (entering MRI, G2, G3) and the pre-procedure readiness items.

Each case starts from a pathway meeting every condition, changes one thing, and asserts the exact
reasons. The thresholds come from the rules table: changing a Rule changes the gate.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pathway.anticoagulation import cockcroft_gault
from pathway.models import PreAssessment, Rule, Stage
from pathway.mri import gates as mri_gates
from pathway.pre_assessment import gates as pre_assessment_gates
from pathway.procedure import gates as procedure_gates
from pathway.suitability import gates as suitability_gates
from tests.factories import (
    AllergyFactory,
    AntithromboticMedicineFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PLANNED = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def ready(reference_data):
    """Meets every pre-procedure condition: suitable, T12 treatable, pre-assessed, planned in a week."""
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT, planned_procedure_on=PLANNED)
    SuitabilityAssessmentFactory(pathway=pathway)
    scan = MriScanFactory(pathway=pathway)
    MriLevelFindingFactory(scan=scan, level="T12")
    MriLevelFindingFactory(scan=scan, level="L2", oedema="absent", concordant_with_exam=False)
    PreAssessmentFactory(pathway=pathway)
    return pathway


def _update(pathway, *, suitability=None, finding=None, pre=None, pathway_fields=None):
    if suitability:
        type(pathway.suitability).objects.filter(pk=pathway.suitability.pk).update(**suitability)
    if finding:
        pathway.mri.findings.filter(level="T12").update(**finding)
    if pre:
        PreAssessment.objects.filter(pk=pathway.pre_assessment.pk).update(**pre)
    if pathway_fields:
        type(pathway).objects.filter(pk=pathway.pk).update(**pathway_fields)
    return type(pathway).objects.get(pk=pathway.pk)


def test_ready_pathway_passes_every_gate(ready):
    assert suitability_gates.gate_mri(ready) == []
    assert mri_gates.gate_pre_assessment(ready) == []
    assert pre_assessment_gates.gate_consent(ready) == []
    preprocedure = procedure_gates.preprocedure_items(ready)
    assert all(item.met for item in preprocedure), [i.reason for i in preprocedure if not i.met]


# --- entering MRI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "reasons"),
    [
        ("suitable", []),
        ("needs_imaging", []),
        ("needs_mdt", []),
        ("not_suitable", ["The suitability outcome is 'not suitable', so no imaging review is needed."]),
    ],
)
def test_gate_mri_outcome(ready, outcome, reasons):
    assert suitability_gates.gate_mri(_update(ready, suitability={"outcome": outcome})) == reasons


def test_gate_mri_needs_a_suitability_assessment(reference_data):
    assert suitability_gates.gate_mri(PathwayFactory()) == ["Suitability assessment not yet recorded."]


# --- G2: entering pre-assessment -------------------------------------------------------------------

G2_CASES = [
    ("outcome not suitable", {"suitability": {"outcome": "needs_mdt"}},
     ["The suitability outcome is 'needs mdt discussion', not 'suitable'."]),
    ("absolute contraindication", {"suitability": {"absolute_contraindications": ["systemic_infection"]}},
     ["Absolute contraindication: Septicaemia or active systemic infection."]),
    ("osteomyelitis", {"suitability": {"absolute_contraindications": ["osteomyelitis"]}},
     ["Absolute contraindication: Active osteomyelitis or discitis of the target vertebra."]),
    ("pain not at level", {"suitability": {"pain_at_level_on_exam": False}},
     ["Pain at the fracture level on examination is not confirmed."]),
    ("no conservative treatment", {"suitability": {"conservative_treatment": ""}},
     ["Failed conservative management is not documented (treatment tried and why it failed)."]),
    ("no failure reason", {"suitability": {"conservative_failure_reasons": []}},
     ["Failed conservative management is not documented (treatment tried and why it failed)."]),
    ("pain below threshold", {"suitability": {"pain_score": 6}}, ["Pain score 6 is below the threshold of 7."]),
    ("old fracture", {"pathway_fields": {"symptom_onset_on": TODAY - datetime.timedelta(days=53)}},
     ["The fracture was 43 days old at assessment, beyond the local limit of 42 days."]),
    ("relative unjustified", {"suitability": {"relative_contraindications": ["radiculopathy"]}},
     ["Relative contraindication without a written justification: "
      "Radiculopathy from compression not related to the collapse."]),
    ("relative justified",
     {"suitability": {"relative_contraindications": ["radiculopathy"], "relative_justification": "MDT agreed."}},
     []),
    ("abnormal neurology", {"suitability": {"neuro_exam": "abnormal", "neuro_exam_details": "Weak EHL"}},
     ["Relative contraindication without a written justification: abnormal neurological examination."]),
    ("posterior wall breached", {"finding": {"posterior_wall": "breached"}},
     ["Relative contraindication without a written justification: posterior wall breached at T12."]),
    ("severe collapse", {"finding": {"height_loss_pct": Decimal("70")}},
     ["Relative contraindication without a written justification: severe collapse at T12 (30% height remaining)."]),
    ("no MDT date", {"suitability": {"mdt_on": None}},
     ["No MDT decision is recorded with a radiologist and a spinal surgeon."]),
    ("no spinal surgeon", {"suitability": {"mdt_spinal_surgeon": ""}},
     ["No MDT decision is recorded with a radiologist and a spinal surgeon."]),
    ("no MDT radiologist", {"suitability": {"mdt_radiologist": ""}},
     ["No MDT decision is recorded with a radiologist and a spinal surgeon."]),
    ("metastatic without oncologist", {"pathway_fields": {"aetiology": "metastatic"}},
     ["Malignant disease: the MDT decision needs an oncologist."]),
    ("suspicious MRI without oncologist", {"finding": {"malignancy_features": "suspicious"}},
     ["Malignant disease: the MDT decision needs an oncologist."]),
    ("myeloma with oncologist",
     {"pathway_fields": {"aetiology": "myeloma"}, "suitability": {"mdt_oncologist": "Dr Singh"}}, []),
    ("no spinal surgery access", {"suitability": {"spinal_surgery_access": False}},
     ["Access to a spinal surgery service is not documented."]),
    ("no bone-health plan", {"suitability": {"bone_health_plan": ""}}, ["No bone-health plan is recorded."]),
    ("no oedema", {"finding": {"oedema": "absent"}},
     ["No MRI level shows oedema concordant with the examination."]),
    ("indeterminate oedema", {"finding": {"oedema": "indeterminate"}},
     ["No MRI level shows oedema concordant with the examination."]),
    ("not concordant", {"finding": {"concordant_with_exam": False}},
     ["No MRI level shows oedema concordant with the examination."]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "reasons"), G2_CASES, ids=[c[0] for c in G2_CASES])
def test_g2_reasons(ready, case, change, reasons):
    ready = _update(ready, **change)
    assert mri_gates.gate_pre_assessment(ready) == reasons


def test_g2_missing_records(reference_data):
    pathway = PathwayFactory()
    assert mri_gates.gate_pre_assessment(pathway) == [
        "Suitability assessment not yet recorded.",
        "MRI review not yet recorded.",
    ]


def test_absolute_contraindication_cannot_be_overridden(ready):
    ready = _update(ready, suitability={"absolute_contraindications": ["cement_allergy"]})
    (reason,) = mri_gates.gate_pre_assessment(ready)
    assert reason == "Absolute contraindication: Allergy to bone cement (PMMA) or the opacifying agent."
    assert reason.overridable is False


# --- G3: entering consent --------------------------------------------------------------------------

G3_CASES = [
    ("no haemoglobin", {"pre": {"hb_g_l": None}}, ["No haemoglobin result."]),
    ("no INR", {"pre": {"inr": None, "inr_sampled_on": None}}, ["No INR result."]),
    ("no creatinine", {"pre": {"creatinine_umol_l": None}}, ["No creatinine result."]),
    ("low platelets", {"pre": {"platelets": 45}}, ["Platelets 45 are below 50."]),
    ("low platelets with correction plan",
     {"pre": {"platelets": 45, "platelet_correction_plan": "Platelet transfusion on the morning."}}, []),
    ("platelets at the minimum", {"pre": {"platelets": 50}}, []),
    ("high INR", {"pre": {"inr": Decimal("1.9")}}, ["INR 1.9 is above 1.5."]),
    ("INR at the maximum", {"pre": {"inr": Decimal("1.5")}}, []),
    ("stale platelets", {"pre": {"platelets_sampled_on": PLANNED - datetime.timedelta(days=35)}},
     ["Platelets sample is 35 days old on the planned date (valid for 28 days)."]),
    ("sample on the last valid day", {"pre": {"hb_sampled_on": PLANNED - datetime.timedelta(days=28)}}, []),
    ("stale with no planned date",
     {"pathway_fields": {"planned_procedure_on": None}, "pre": {"hb_sampled_on": TODAY - datetime.timedelta(days=30)}},
     ["Haemoglobin sample is 30 days old today (valid for 28 days)."]),
    ("ASA III without ECG", {"pre": {"asa_grade": 3}}, ["An ECG is required (ASA III) but not recorded."]),
    ("ASA III with ECG", {"pre": {"asa_grade": 3, "ecg_done": True, "ecg_on": TODAY, "ecg_result": "normal"}}, []),
    ("ECG needs referral", {"pre": {"ecg_done": True, "ecg_on": TODAY, "ecg_result": "abnormal_refer"}},
     ["The ECG is abnormal and needs referral before the procedure."]),
    ("allergies not recorded", {"pre": {"no_known_allergies": False}},
     ["Allergies are not recorded (list them, or record 'no known allergies')."]),
    ("medicines not recorded", {"pre": {"no_antithrombotics": False}},
     ["Anticoagulant and antiplatelet medicines are not recorded (list them, or record 'none')."]),
    ("no escort", {"pre": {"escort_confirmed": False}}, ["Escort and overnight carer are not confirmed."]),
    ("no transport", {"pre": {"transport_home_arranged": False}}, ["Transport home is not arranged."]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "reasons"), G3_CASES, ids=[c[0] for c in G3_CASES])
def test_g3_reasons(ready, case, change, reasons):
    ready = _update(ready, **change)
    assert pre_assessment_gates.gate_consent(ready) == reasons


def test_g3_needs_a_pre_assessment(reference_data):
    assert pre_assessment_gates.gate_consent(PathwayFactory()) == ["Pre-assessment not yet recorded."]


def test_pmma_allergy_blocks_and_cannot_be_overridden(ready):
    ready = _update(ready, pre={"no_known_allergies": False})
    AllergyFactory(pre_assessment=ready.pre_assessment, allergen="pmma")
    (reason,) = pre_assessment_gates.gate_consent(ready)
    assert reason == "Allergy to bone cement (PMMA) is recorded."
    assert reason.overridable is False
    assert ready.pre_assessment.has_pmma_allergy


def test_other_allergies_pass(ready):
    ready = _update(ready, pre={"no_known_allergies": False})
    AllergyFactory(pre_assessment=ready.pre_assessment, allergen="latex")
    assert pre_assessment_gates.gate_consent(ready) == []
    assert not ready.pre_assessment.has_pmma_allergy


def _with_drug(pathway, drug, **kwargs):
    pathway = _update(pathway, pre={"no_antithrombotics": False})
    AntithromboticMedicineFactory(pre_assessment=pathway.pre_assessment, drug=drug, **kwargs)
    return type(pathway).objects.get(pk=pathway.pk)


def test_drug_with_a_rule_plan_passes(ready):
    assert pre_assessment_gates.gate_consent(_with_drug(ready, "apixaban")) == []


def test_drug_below_the_clearance_limit_needs_a_written_plan(ready):
    ready = _update(ready, pre={"creatinine_umol_l": 300})
    patient = ready.patient
    crcl = cockcroft_gault(
        age=patient.age_on(PLANNED), weight_kg=Decimal("64.0"), sex=patient.sex, creatinine_umol_l=300
    )
    assert crcl <= 25
    reasons = pre_assessment_gates.gate_consent(_with_drug(ready, "apixaban"))
    assert reasons == [f"No plan for apixaban (creatinine clearance {crcl} mL/min; the table covers above 25 mL/min)."]


def test_written_plan_satisfies_the_gate(ready):
    ready = _update(ready, pre={"creatinine_umol_l": 300})
    assert pre_assessment_gates.gate_consent(_with_drug(ready, "apixaban", clinician_plan="Haematology: stop 4 days before.")) == []


def test_unknown_drug_needs_a_written_plan(ready):
    reasons = pre_assessment_gates.gate_consent(_with_drug(ready, "other", other_drug_name="Vorapaxar"))
    assert reasons == ["No plan for vorapaxar (Vorapaxar is not in the drug table)."]


def test_no_planned_date_means_no_plan(ready):
    ready = _update(ready, pathway_fields={"planned_procedure_on": None})
    assert pre_assessment_gates.gate_consent(_with_drug(ready, "clopidogrel")) == [
        "No plan for clopidogrel (no planned procedure date)."
    ]


def test_warfarin_inr_is_judged_on_the_day_not_at_consent(ready):
    ready = _with_drug(_update(ready, pre={"inr": Decimal("2.6")}), "warfarin")
    assert pre_assessment_gates.gate_consent(ready) == []
    unmet = [i.reason for i in procedure_gates.preprocedure_items(ready) if not i.met]
    assert unmet == ["INR sample is 9 days old on the planned date (valid for 2 days)."]
    fresh = _update(ready, pre={"inr_sampled_on": PLANNED - datetime.timedelta(days=1)})
    # Not a real sample date in the future: the planned date is a week away. Judged as stored.
    unmet = [i.reason for i in procedure_gates.preprocedure_items(fresh) if not i.met]
    assert unmet == ["INR 2.6 is above 1.5."]


# --- ready for procedure (pre-procedure items) ------------------------------------------------------


def _unmet(pathway):
    return [i.reason for i in procedure_gates.preprocedure_items(pathway) if not i.met]


READY_CASES = [
    ("high INR", {"pre": {"inr": Decimal("1.9")}}, ["INR 1.9 is above 1.5."]),
    ("stale platelets", {"pre": {"platelets_sampled_on": PLANNED - datetime.timedelta(days=35)}},
     ["Platelets sample is 35 days old on the planned date (valid for 28 days)."]),
    ("correction plan is not enough on the day",
     {"pre": {"platelets": 45, "platelet_correction_plan": "Transfuse"}}, ["Platelets 45 are below 50."]),
    ("no planned date", {"pathway_fields": {"planned_procedure_on": None}}, ["No procedure date is planned."]),
    ("not suitable", {"suitability": {"outcome": "not_suitable"}},
     ["The suitability outcome is 'not suitable', not 'suitable'."]),
    ("no treatable level", {"finding": {"oedema": "absent"}},
     ["No MRI level shows oedema concordant with the examination."]),
    ("absolute contraindication", {"suitability": {"absolute_contraindications": ["systemic_infection"]}},
     ["Absolute contraindication: Septicaemia or active systemic infection."]),
    # Local thresholds overridden at G2 are not asked again on the day.
    ("pain below threshold", {"suitability": {"pain_score": 5}}, []),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "reasons"), READY_CASES, ids=[c[0] for c in READY_CASES])
def test_ready_for_procedure_items(ready, case, change, reasons):
    assert _unmet(_update(ready, **change)) == reasons


def test_ready_for_procedure_names_the_drug_without_a_plan(ready):
    ready = _update(ready, pre={"creatinine_umol_l": 400})
    reasons = _unmet(_with_drug(ready, "apixaban"))
    assert len(reasons) == 1 and reasons[0].startswith("No plan for apixaban (creatinine clearance ")


def test_ready_for_procedure_is_a_concatenation_including_consent(ready):
    items = procedure_gates.ready_for_procedure(ready)
    assert items[: len(procedure_gates.preprocedure_items(ready))] == procedure_gates.preprocedure_items(ready)
    assert len(items) > len(procedure_gates.preprocedure_items(ready))  # consent items follow


def test_missing_records_in_readiness(reference_data):
    pathway = PathwayFactory(planned_procedure_on=PLANNED)
    assert _unmet(pathway) == [
        "Suitability assessment not yet recorded.",
        "MRI review not yet recorded.",
        "Pre-assessment not yet recorded.",
    ]


# --- the rules table drives the gates ---------------------------------------------------------------

RULE_CASES = [
    ("inr_max", "2.0", {"pre": {"inr": Decimal("1.9")}}, pre_assessment_gates.gate_consent, ["INR 1.9 is above 1.5."]),
    ("platelets_min", "40", {"pre": {"platelets": 45}}, pre_assessment_gates.gate_consent, ["Platelets 45 are below 50."]),
    ("lab_validity_days", "40", {"pre": {"hb_sampled_on": PLANNED - datetime.timedelta(days=35)}},
     pre_assessment_gates.gate_consent, ["Haemoglobin sample is 35 days old on the planned date (valid for 28 days)."]),
    ("ecg_required_asa_min", "4", {"pre": {"asa_grade": 3}}, pre_assessment_gates.gate_consent,
     ["An ECG is required (ASA III) but not recorded."]),
    ("pain_threshold", "5", {"suitability": {"pain_score": 6}}, mri_gates.gate_pre_assessment,
     ["Pain score 6 is below the threshold of 7."]),
    ("fracture_age_warn_days", "60", {"pathway_fields": {"symptom_onset_on": TODAY - datetime.timedelta(days=60)}},
     mri_gates.gate_pre_assessment, ["The fracture was 50 days old at assessment, beyond the local limit of 42 days."]),
    ("remaining_height_warn_pct", "20", {"finding": {"height_loss_pct": Decimal("70")}},
     mri_gates.gate_pre_assessment,
     ["Relative contraindication without a written justification: severe collapse at T12 (30% height remaining)."]),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "change", "gate", "before"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_value_changes_the_gate(ready, key, value, change, gate, before):
    ready = _update(ready, **change)
    assert gate(ready) == before
    Rule.objects.filter(key=key).update(value=Decimal(value))
    assert gate(ready) == []


def test_warfarin_inr_window_comes_from_the_rules(ready):
    ready = _with_drug(ready, "warfarin")
    Rule.objects.filter(key="inr_validity_days_warfarin").update(value=Decimal("10"))
    assert _unmet(ready) == []
