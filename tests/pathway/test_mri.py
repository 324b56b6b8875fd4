"""The MRI review: the form over HTTP (scan with its levels, bad input refused on the field or the
row, stale rows), the planned levels it gives, and G2, the gate out of it into the pre-assessment.

G2 cases start from a pathway meeting every condition (the `ready` fixture), change one thing, and
assert the exact reasons. The thresholds come from the rules table: changing a Rule changes the gate.
"""

import datetime
from decimal import Decimal

import pytest

from pathway.models import MriLevelFinding, MriScan, Rule
from pathway.mri import gates as mri_gates
from tests.factories import PathwayFactory
from tests.pathway import preprocedure_payloads as payload
from tests.pathway.preprocedure_helpers import TODAY, update
from tests.pathway.preprocedure_payloads import url

pytestmark = pytest.mark.django_db
NO_MDT = (
    "No MDT decision is recorded with a radiologist and a spinal surgeon: record it in the MDT section of the "
    "suitability assessment."
)

FUTURE = payload.day(3)


# --- the form ---------------------------------------------------------------------------------


def test_radiologist_records_mri_with_levels(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    levels = [payload.level_row("L1"), payload.level_row("T12", oedema="absent", concordant_with_exam=None)]
    response = client.post(url(at_pre_assessment, "mri"), payload.mri(levels))
    assert response.status_code == 302
    scan = MriScan.objects.get(pathway=at_pre_assessment)
    assert sorted(scan.findings.values_list("level", flat=True)) == ["L1", "T12"]
    assert all(f.history.count() == 1 for f in scan.findings.all())
    from pathway.selectors import planned_levels

    assert planned_levels(pathway=at_pre_assessment) == ["L1"]


def test_planned_levels_in_level_order_and_empty_without_mri(reference_data):
    from pathway.selectors import planned_levels
    from tests.factories import MriLevelFindingFactory, MriScanFactory

    pathway = PathwayFactory()
    assert planned_levels(pathway=pathway) == []
    scan = MriScanFactory(pathway=pathway)
    for level in ("L1", "T9", "S", "T12"):
        MriLevelFindingFactory(scan=scan, level=level)
    MriLevelFindingFactory(scan=scan, level="L2", concordant_with_exam=False)
    assert planned_levels(pathway=pathway) == ["T9", "T12", "L1", "S"]


MRI_BAD = [
    ({"scanned_on": FUTURE}, None, "scanned_on", "This date cannot be in the future."),
    ({"safety_screen_done": None}, None, "safety_screen_done", "An MRI needs the MRI safety screen."),
    ({"accession_number": ""}, None, "accession_number", "This field is required."),
    ({}, [payload.level_row(height_loss_pct="101")], "height_loss_pct", "Enter a value between 0 and 100 %."),
    ({}, [payload.level_row(height_loss_pct="-1")], "height_loss_pct", "Enter a value between 0 and 100 %."),
    ({}, [payload.level_row(canal_compromise_pct="150")], "canal_compromise_pct", "Enter a value between 0 and 100 %."),
    ({}, [payload.level_row("T12"), payload.level_row("T12")], "level",
     "T12 is recorded twice; record each level once."),
    ({}, [payload.level_row(oedema=None)], "oedema", "This field is required."),
]  # fmt: skip


@pytest.mark.parametrize(("change", "levels", "field", "message"), MRI_BAD)
def test_mri_bad_input(client, radiologist, at_pre_assessment, change, levels, field, message):
    client.force_login(radiologist)
    response = client.post(url(at_pre_assessment, "mri"), payload.mri(levels, **change))
    assert response.status_code == 200
    errors = response.context["form"].errors.get(field, [])
    for row in response.context["formsets"]["levels"].forms:
        errors += row.errors.get(field, [])
    assert message in errors
    assert not MriScan.objects.exists() and not MriLevelFinding.objects.exists()


def test_mri_needs_at_least_one_level(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    response = client.post(url(at_pre_assessment, "mri"), payload.mri([]))
    assert response.status_code == 200
    assert response.context["formsets"]["levels"].non_form_errors() == ["Record the findings of at least one level."]
    assert not MriScan.objects.exists()


def test_stale_rows_are_not_saved(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    client.post(url(at_pre_assessment, "mri"), payload.mri())
    scan = MriScan.objects.get()
    stale = payload.mri([payload.level_row("L3")], expected_version="0")
    client.post(url(at_pre_assessment, "mri"), stale)
    assert list(scan.findings.values_list("level", flat=True)) == ["T12"]


# --- G2: entering pre-assessment --------------------------------------------------------------


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
     [NO_MDT]),
    ("no spinal surgeon", {"suitability": {"mdt_spinal_surgeon": ""}},
     [NO_MDT]),
    ("no MDT radiologist", {"suitability": {"mdt_radiologist": ""}},
     [NO_MDT]),
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
    ready = update(ready, **change)
    assert mri_gates.gate_pre_assessment(ready) == reasons


def test_g2_missing_records(reference_data):
    pathway = PathwayFactory()
    assert mri_gates.gate_pre_assessment(pathway) == [
        "Suitability assessment not yet recorded.",
        "MRI review not yet recorded.",
        "The date the imaging was requested is not recorded.",
    ]


def test_absolute_contraindication_cannot_be_overridden(ready):
    ready = update(ready, suitability={"absolute_contraindications": ["cement_allergy"]})
    (reason,) = mri_gates.gate_pre_assessment(ready)
    assert reason == "Absolute contraindication: Allergy to bone cement (PMMA) or the opacifying agent."
    assert reason.overridable is False


# --- the rules table drives G2 ----------------------------------------------------------------


RULE_CASES = [
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
    ready = update(ready, **change)
    assert gate(ready) == before
    Rule.objects.filter(key=key).update(value=Decimal(value))
    assert gate(ready) == []
