"""The suitability, MRI and pre-assessment forms over HTTP: valid saves, bad input refused on the
field, rows saved with their record, the planned date moved with history, and the stale-form conflict."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.core.services import StaleEdit
from pathway.models import (
    Allergy,
    AntithromboticMedicine,
    MriLevelFinding,
    MriScan,
    Pathway,
    PreAssessment,
    Stage,
    SuitabilityAssessment,
)
from tests.factories import AllergyFactory, PathwayFactory, PreAssessmentFactory, SuitabilityAssessmentFactory
from tests.pathway import preprocedure_payloads as payload

pytestmark = pytest.mark.django_db


def url(pathway, name):
    return reverse(f"pathway:{name}", kwargs={"pk": pathway.pk})


@pytest.fixture
def at_pre_assessment(reference_data):
    return PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)


# --- valid saves -----------------------------------------------------------------------------------


def test_radiologist_records_suitability(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    response = client.post(url(at_pre_assessment, "suitability"), payload.suitability())
    assert response.status_code == 302
    record = SuitabilityAssessment.objects.get(pathway=at_pre_assessment)
    assert (record.suspected_levels, record.outcome, record.recorded_by) == (["T12"], "suitable", radiologist)
    assert record.history.first().history_user == radiologist


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


def test_nurse_records_pre_assessment_and_sets_the_planned_date(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    versions = at_pre_assessment.history.count()
    data = payload.pre_assessment(
        allergies=[{"allergen": "latex", "reaction": "Rash", "severity": "mild"}],
        medicines=[{"drug": "apixaban", "dose": "5 mg bd"}],
    )
    response = client.post(url(at_pre_assessment, "pre_assessment"), data)
    assert response.status_code == 302
    record = PreAssessment.objects.get(pathway=at_pre_assessment)
    pathway = Pathway.objects.get(pk=at_pre_assessment.pk)
    assert pathway.planned_procedure_on == timezone.localdate() + datetime.timedelta(days=10)
    assert pathway.history.count() == versions + 1
    assert pathway.history.first().history_user == nurse
    assert [a.allergen for a in record.allergies.all()] == ["latex"]
    (medicine,) = record.medicines.all()
    assert medicine.plan.last_dose_on == pathway.planned_procedure_on - datetime.timedelta(days=3)
    page = client.get(url(at_pre_assessment, "pre_assessment")).content.decode()
    assert "Apixaban" in page and medicine.plan.timing in page


def test_moving_the_date_moves_the_plan(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    data = payload.pre_assessment(medicines=[{"drug": "clopidogrel"}])
    client.post(url(at_pre_assessment, "pre_assessment"), data)
    record = PreAssessment.objects.get(pathway=at_pre_assessment)
    first = record.medicines.get().plan.last_dose_on
    medicine = record.medicines.get()
    data = payload.pre_assessment(
        medicines=[{"id": str(medicine.pk), "drug": "clopidogrel"}],
        planned_procedure_on=payload.day(17),
        expected_version=str(record.version),
    )
    data["medicines-INITIAL_FORMS"] = "1"
    assert client.post(url(at_pre_assessment, "pre_assessment"), data).status_code == 302
    record = PreAssessment.objects.get(pk=record.pk)
    assert record.medicines.get().plan.last_dose_on - first == datetime.timedelta(days=7)


def test_removed_row_is_kept_as_entered_in_error(client, nurse, at_pre_assessment):
    record = PreAssessmentFactory(pathway=at_pre_assessment, no_known_allergies=False)
    allergy = AllergyFactory(pre_assessment=record, allergen="pmma")
    client.force_login(nurse)
    data = payload.pre_assessment(
        allergies=[{"id": str(allergy.pk), "allergen": "pmma", "DELETE": "on"}],
        expected_version=str(record.version),
        no_known_allergies="on",
    )
    data["allergies-INITIAL_FORMS"] = "1"
    response = client.post(url(at_pre_assessment, "pre_assessment"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert not record.allergies.exists()
    kept = Allergy.all_rows.get(pk=allergy.pk)
    assert kept.entered_in_error and kept.recorded_by == nurse
    assert not PreAssessment.objects.get(pk=record.pk).has_pmma_allergy


# --- bad input -------------------------------------------------------------------------------------

FUTURE = payload.day(3)

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


PRE_BAD = [
    ({"inr": "12"}, "inr", "Enter a value between 0.5 and 9.9."),
    ({"inr": "0.2"}, "inr", "Enter a value between 0.5 and 9.9."),
    ({"platelets": "0"}, "platelets", "Enter a value between 1 and 2000 x10^9/L."),
    ({"platelets": "5000"}, "platelets", "Enter a value between 1 and 2000 x10^9/L."),
    ({"hb_g_l": "20"}, "hb_g_l", "Enter a value between 30 and 250 g/L."),
    ({"hb_g_l": "300"}, "hb_g_l", "Enter a value between 30 and 250 g/L."),
    ({"weight_kg": "10"}, "weight_kg", "Enter a value between 25 and 300 kg."),
    ({"inr_sampled_on": FUTURE}, "inr_sampled_on", "This date cannot be in the future."),
    ({"assessed_on": FUTURE}, "assessed_on", "This date cannot be in the future."),
    ({"ecg_done": "on", "ecg_result": "normal", "ecg_on": FUTURE}, "ecg_on", "This date cannot be in the future."),
    ({"ecg_done": "on"}, "ecg_on", "Give the ECG date and result."),
    ({"ecg_result": "normal"}, "ecg_done", "Tick 'ECG done' or clear the ECG date and result."),
    ({"platelets_sampled_on": None}, "platelets_sampled_on", "Give the date the platelets sample was taken."),
    ({"planned_procedure_on": payload.day(-1)}, "planned_procedure_on", "The planned procedure date is in the past."),
    ({"interpreter_required": "on"}, "interpreter_language", "Give the language the interpreter is needed for."),
    ({"capacity_concern": "on"}, "capacity_concern_details", "Describe the concern about capacity."),
    ({"asa_grade": "7"}, "asa_grade", "Select a valid choice. 7 is not one of the available choices."),
    ({"pregnancy_status": "unsure"}, "pregnancy_status",
     "Select a valid choice. unsure is not one of the available choices."),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), PRE_BAD)
def test_pre_assessment_bad_input(client, nurse, at_pre_assessment, change, field, message):
    client.force_login(nurse)
    response = client.post(url(at_pre_assessment, "pre_assessment"), payload.pre_assessment(**change))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not PreAssessment.objects.exists()
    assert Pathway.objects.get(pk=at_pre_assessment.pk).planned_procedure_on is None


def test_sample_date_after_the_planned_date_is_refused(client, nurse, reference_data):
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT, referral_received_on=payload_day(-60))
    client.force_login(nurse)
    data = payload.pre_assessment(planned_procedure_on=payload.day(-5), hb_sampled_on=payload.day(-2))
    # A past planned date is allowed when unchanged; set it on the pathway first.
    Pathway.objects.filter(pk=pathway.pk).update(planned_procedure_on=payload_day(-5))
    response = client.post(url(pathway, "pre_assessment"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["hb_sampled_on"] == [
        "The sample date cannot be after the planned procedure date."
    ]


def payload_day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


ROW_BAD = [
    ({"allergies": [{"allergen": "other"}]}, "allergies", "details", "Name the allergen."),
    ({"medicines": [{"drug": "other"}]}, "medicines", "other_drug_name", "Name the drug."),
    ({"medicines": [{"drug": "heparin-ish"}]}, "medicines", "drug",
     "Select a valid choice. heparin-ish is not one of the available choices."),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "prefix", "field", "message"), ROW_BAD)
def test_pre_assessment_bad_rows(client, nurse, at_pre_assessment, rows, prefix, field, message):
    client.force_login(nurse)
    response = client.post(url(at_pre_assessment, "pre_assessment"), payload.pre_assessment(**rows))
    assert response.status_code == 200
    (row,) = response.context["formsets"][prefix].forms
    assert message in row.errors[field]
    assert not PreAssessment.objects.exists()


@pytest.mark.parametrize(
    ("flag", "rows", "message"),
    [
        ("no_known_allergies", {"allergies": [{"allergen": "latex"}]},
         "Allergies are listed below: untick this, or remove them."),
        ("no_antithrombotics", {"medicines": [{"drug": "aspirin"}]},
         "Medicines are listed below: untick this, or remove them."),
    ],
)  # fmt: skip
def test_explicit_none_contradicting_rows_is_refused(client, nurse, at_pre_assessment, flag, rows, message):
    client.force_login(nurse)
    data = payload.pre_assessment(**rows)
    data[flag] = "on"
    response = client.post(url(at_pre_assessment, "pre_assessment"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[flag] == [message]
    assert not PreAssessment.objects.exists()
    assert not Allergy.all_rows.exists() and not AntithromboticMedicine.all_rows.exists()


# --- stale form ------------------------------------------------------------------------------------


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


def test_two_new_forms_saved_at_once_second_is_refused(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    data = payload.pre_assessment()
    assert client.post(url(at_pre_assessment, "pre_assessment"), data).status_code == 302
    response = client.post(url(at_pre_assessment, "pre_assessment"), {**data, "platelets": "99"}, follow=True)
    assert StaleEdit.message in [str(m) for m in response.context["messages"]]
    assert PreAssessment.objects.get().platelets == 210


def test_stale_rows_are_not_saved(client, radiologist, at_pre_assessment):
    client.force_login(radiologist)
    client.post(url(at_pre_assessment, "mri"), payload.mri())
    scan = MriScan.objects.get()
    stale = payload.mri([payload.level_row("L3")], expected_version="0")
    client.post(url(at_pre_assessment, "mri"), stale)
    assert list(scan.findings.values_list("level", flat=True)) == ["T12"]


def test_form_before_the_stage_is_reached_is_refused(client, nurse, reference_data):
    pathway = PathwayFactory(current_stage=Stage.MRI)
    client.force_login(nurse)
    response = client.post(url(pathway, "pre_assessment"), payload.pre_assessment())
    assert response.status_code == 200
    assert "This pathway has not reached the pre-assessment yet." in response.content.decode()
    assert not PreAssessment.objects.exists()
