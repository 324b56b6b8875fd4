"""Suitability: the form over HTTP (valid save, bad input refused on the field, the stale-form
conflict) and the gate out of it into the MRI review."""

import pytest

from pathway.core.services import StaleEdit
from pathway.models import SuitabilityAssessment
from pathway.suitability import gates as suitability_gates
from tests.factories import PathwayFactory, SuitabilityAssessmentFactory
from tests.pathway import preprocedure_payloads as payload
from tests.pathway.preprocedure_helpers import update
from tests.pathway.preprocedure_payloads import url

pytestmark = pytest.mark.django_db

FUTURE = payload.day(3)


# --- the form ---------------------------------------------------------------------------------


def test_radiologist_records_suitability(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    response = client.post(url(at_pre_assessment, "suitability"), payload.suitability())
    assert response.status_code == 302
    record = SuitabilityAssessment.objects.get(pathway=at_pre_assessment)
    assert (record.suspected_levels, record.outcome, record.recorded_by) == (["T12"], "suitable", radiologist)
    assert record.history.first().history_user == radiologist


SUITABILITY_BAD = [
    ({"pain_score": "11"}, "pain_score", "Enter a value between 0 and 10."),
    ({"pain_score": "-1"}, "pain_score", "Ensure this value is greater than or equal to 0."),
    ({"pain_score": "severe"}, "pain_score", "Enter a whole number."),
    ({"assessed_on": FUTURE}, "assessed_on", "This date cannot be in the future."),
    ({"mdt_on": FUTURE}, "mdt_on", "This date cannot be in the future."),
    ({"suspected_levels": []}, "suspected_levels", "This field is required."),
    ({"suspected_levels": ["C3"]}, "suspected_levels",
     "Select a valid choice. C3 is not one of the available choices."),
    ({"neuro_exam": "abnormal"}, "neuro_exam_details", "Describe the abnormal neurological findings."),
    ({"mdt_on": ""}, "mdt_on", "Give the date of the MDT discussion."),
    ({"assessed_on": payload.day(-40)}, "assessed_on", "The assessment cannot be before the referral was received."),
    ({"outcome": "maybe"}, "outcome", "Select a valid choice. maybe is not one of the available choices."),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), SUITABILITY_BAD)
def test_suitability_bad_input(client, radiologist, at_pre_assessment, change, field, message):
    client.force_login(radiologist)
    response = client.post(url(at_pre_assessment, "suitability"), payload.suitability(**change))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not SuitabilityAssessment.objects.exists()


def test_second_save_of_a_stale_form_is_refused(client, radiologist, consultant, at_pre_assessment):
    record = SuitabilityAssessmentFactory(pathway=at_pre_assessment, pain_score=8)
    client.force_login(radiologist)
    first = payload.suitability(pain_score="9", expected_version=str(record.version))
    second = payload.suitability(pain_score="3", expected_version=str(record.version))
    assert client.post(url(at_pre_assessment, "suitability"), first).status_code == 302
    client.force_login(consultant)
    response = client.post(url(at_pre_assessment, "suitability"), second, follow=True)
    assert StaleEdit.message in [str(m) for m in response.context["messages"]]
    record.refresh_from_db()
    assert (record.pain_score, record.recorded_by, record.version) == (9, radiologist, 2)


# --- the gate into the MRI review -------------------------------------------------------------


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
    assert suitability_gates.gate_mri(update(ready, suitability={"outcome": outcome})) == reasons


def test_gate_mri_needs_a_suitability_assessment(reference_data):
    assert suitability_gates.gate_mri(PathwayFactory()) == ["Suitability assessment not yet recorded."]
