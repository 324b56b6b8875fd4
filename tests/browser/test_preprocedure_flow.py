"""A radiologist records suitability and MRI, a nurse the pre-assessment; the pathway page's
ready-for-procedure checklist turns from unmet to met as they go."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathway.models import Pathway, Stage
from tests.factories import PathwayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def _checklist(page):
    return page.locator("#readiness")


def _met(page, text):
    expect(_checklist(page).locator(".checklist-met", has_text=text)).to_have_count(1)


def _unmet(page, text):
    expect(_checklist(page).locator(".checklist-unmet", has_text=text)).to_have_count(1)


def test_checklist_turns_from_unmet_to_met(reference_data, login_page, radiologist, nurse, live_server):
    pathway = PathwayFactory(current_stage=Stage.SUITABILITY)
    detail = f"{live_server.url}/pathways/{pathway.pk}/"

    page = login_page(radiologist)
    page.set_default_timeout(8000)
    page.goto(detail)
    _unmet(page, "Suitability assessment not yet recorded.")
    _unmet(page, "MRI review not yet recorded.")
    _unmet(page, "Pre-assessment not yet recorded.")

    # Suitability.
    page.get_by_role("link", name="Suitability assessment").first.click()
    page.get_by_label("Pain score").fill("8")
    page.get_by_label("Pain at the fracture level on examination").check()
    page.get_by_label("T12", exact=True).check()
    page.get_by_label("Conservative treatment tried").fill("Co-codamol and physiotherapy for 5 weeks.")
    page.get_by_label("Pain persists despite optimal analgesia").check()
    page.locator("#id_neuro_exam").select_option("normal")
    page.get_by_label("MDT discussion date").fill(_day(0))
    # Chosen from the staff list; a radiologist from another trust is named as not on this system.
    page.locator("#id_mdt_radiologist").select_option("other")
    page.locator("#id_mdt_radiologist_other").fill("Dr Carter, consultant radiologist (another trust)")
    page.get_by_label("MDT spinal surgeon").fill("Mr Patel")
    page.get_by_label("Access to a spinal surgery service documented").check()
    page.get_by_label("Bone health plan").select_option("referred")
    page.locator("#id_outcome").select_option("suitable")
    # The outcome baseline (domain.md 8.2): pain at rest and on activity, and the ODI.
    page.locator("#id_baseline_pain_rest").fill("6")
    page.locator("#id_baseline_pain_activity").fill("8")
    for n in range(1, 11):  # each section's fifth statement (score 4)
        page.locator(f"#id_odi_{n}_4").check()
    page.get_by_role("button", name="Save").click()
    # The save stays on the stage, with the move on in view (issue 16); it leads to the MRI form.
    expect(page.get_by_text("Suitability assessment saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Suitability assessment", exact=True)).to_be_visible()
    page.locator("#move-on").get_by_role("button", name="Move on to MRI review").click()
    expect(page.get_by_text("Moved to MRI review.")).to_be_visible()

    # The imaging request (the diagnostic wait runs from it), then the MRI with one treatable level
    # and one healed one.
    expect(page.get_by_role("heading", name="MRI review", exact=True)).to_be_visible()
    page.get_by_role("link", name="Record the imaging request").click()
    page.get_by_label("Date the imaging was requested").fill(_day(-3))
    page.locator("#id_requested_by").select_option("other")
    page.locator("#id_requested_by_other").fill("Dr Carter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Imaging request saved.")).to_be_visible()
    expect(page.locator("#mri-request")).to_contain_text("Imaging requested on")
    page.get_by_label("MRI safety screen done").check()
    page.get_by_label("Scan date").fill(_day(-1))
    page.get_by_label("Accession number").fill("RAD000777")
    page.locator("#id_reported_by").select_option("other")
    page.locator("#id_reported_by_other").fill("Dr Menon")
    page.locator("#id_report").fill("Acute T12 fracture with STIR oedema; old L3 fracture.")
    page.get_by_label("Level, row 1").select_option("T12")
    page.get_by_label("Oedema on STIR, row 1").select_option("present")
    page.get_by_label("Height loss (%), row 1").fill("25")
    page.get_by_label("Concordant with the examination, row 1").check()
    page.get_by_label("Level, row 2").select_option("L3")
    page.get_by_label("Oedema on STIR, row 2").select_option("absent")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("MRI review saved.")).to_be_visible()
    # A radiologist does not record the pre-assessment: the move on leads to the pathway page.
    page.locator("#move-on").get_by_role("button", name="Move on to pre-assessment").click()
    expect(page.get_by_text("Moved to pre-assessment.")).to_be_visible()
    _met(page, "Suitability decided by Rita Radiologist (consultant)")
    _met(page, "Suitability outcome: suitable")
    _met(page, "MRI shows an unhealed fracture concordant with the exam at T12")
    expect(page.locator("#planned-levels")).to_have_text("T12")
    page.get_by_role("button", name="Sign out").click()

    # Pre-assessment by the nurse: first with a stale platelet count and apixaban.
    page = login_page(nurse)
    page.goto(detail)
    _unmet(page, "Pre-assessment not yet recorded.")
    page.get_by_role("link", name="Pre-assessment").first.click()
    page.get_by_label("Planned procedure date").fill(_day(10))
    for field, value in [("hb_g_l", "128"), ("platelets", "210"), ("inr", "1.1")]:
        page.locator(f"#id_{field}").fill(value)
    page.get_by_label("Haemoglobin sample date").fill(_day(0))
    page.get_by_label("Platelets sample date").fill(_day(-25))
    page.get_by_label("INR sample date").fill(_day(0))
    page.get_by_label("Creatinine (µmol/L)").fill("80")
    page.get_by_label("Creatinine and eGFR sample date").fill(_day(0))
    page.get_by_label("Weight (kg)").fill("64")
    page.locator("#id_asa_grade").select_option("2")
    page.get_by_label("No known allergies").check()
    page.get_by_label("Medicines reconciliation done").check()
    # Legs before the procedure: the first baseline (domain.md 7.1).
    page.get_by_label("Left leg power (MRC 0-5)").fill("5")
    page.get_by_label("Right leg power (MRC 0-5)").fill("4")
    page.get_by_label("Left leg sensation").select_option("normal")
    page.get_by_label("Right leg sensation").select_option("normal")
    page.get_by_label("Drug, row 1").select_option("apixaban")
    page.get_by_label("Escort and overnight carer confirmed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pre-assessment saved.")).to_be_visible()
    page.get_by_role("link", name=f"Pathway {pathway.pk}").click()
    _met(page, "Haemoglobin 128")
    _unmet(page, "Platelets sample is 35 days old on the planned date (valid for 28 days).")
    _unmet(page, "Transport home is not arranged.")
    _met(page, "Apixaban: last dose")
    _met(page, "Baseline legs: left 5/5, right 4/5")
    _met(page, "Medicines reconciliation done")

    # Repeat bloods and transport arranged: every pre-procedure item is met.
    page.get_by_role("link", name="Pre-assessment").first.click()
    page.get_by_label("Platelets sample date").fill(_day(0))
    page.get_by_label("Transport home arranged").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pre-assessment saved.")).to_be_visible()
    page.get_by_role("link", name=f"Pathway {pathway.pk}").click()
    _met(page, "Platelets 210")
    _met(page, "Transport home arranged")
    _met(page, "Procedure planned for")
    for text in ("Suitability", "MRI", "Pre-assessment", "Platelets", "INR", "Transport", "Apixaban"):
        expect(_checklist(page).locator(".checklist-unmet", has_text=text)).to_have_count(0)
    assert Pathway.objects.get(pk=pathway.pk).planned_procedure_on == timezone.localdate() + datetime.timedelta(days=10)
