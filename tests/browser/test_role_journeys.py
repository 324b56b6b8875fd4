"""Each role walks its part of the pathway from its worklist, by clicks, counting page loads against a
budget and failing on any console error (issue 16, acceptance: a browser test per role). The
consultant's consent (tests/browser/test_consent.py, under 6) and the procedure day
(tests/browser/test_day.py, under 8) have their own walks.

- Radiologist: the urgent referral first on the worklist, moved on to suitability, assessed, moved on
  to the MRI review, reported, moved on to pre-assessment: under 8 loads.
- Nurse: from the worklist a pre-assessment (2 loads), a patient in recovery observed and discharged
  (4), a follow-up recorded (2), with the worklist in between.
- Manager: the worklist (the service summary), the dashboard, the pathway list, one pathway, and the
  CSV of the list: under 5 loads.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathway.models import FollowUp, ObservationSet, Pathway, PreAssessment, Priority, Stage
from tests.factories import (
    FollowUpFactory,
    MriLevelFindingFactory,
    MriRequestFactory,
    MriScanFactory,
    PathwayFactory,
    ProcedureFactory,
    RecoveryFactory,
    SuitabilityAssessmentFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def _local(minutes_ago: int) -> str:
    return timezone.localtime(timezone.now() - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


class Walk:
    """Page loads and console errors of one page from now on."""

    def __init__(self, page):
        self.loads: list[str] = []
        self.errors: list[str] = []
        page.on("load", lambda loaded: self.loads.append(loaded.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def since(self, mark: int) -> list[str]:
        return self.loads[mark:]


def _back_to_worklist(page) -> None:
    page.get_by_role("link", name="My worklist").click()
    expect(page.get_by_role("heading", name="My worklist", exact=True)).to_be_visible()
    page.wait_for_load_state("load")


def _worklist_row(page, key: str, patient):
    return page.locator(f'[data-worklist="{key}"] tbody tr', has_text=str(patient))


def test_radiologist_referral_to_suitability_to_mri(reference_data, login_page, radiologist, live_server):
    routine = PathwayFactory(current_stage=Stage.REFERRAL, referral_received_on=timezone.localdate().replace(day=1))
    urgent = PathwayFactory(current_stage=Stage.REFERRAL, priority=Priority.URGENT)
    # The scan was requested at triage (its own form is tests/browser/test_preprocedure_flow.py's).
    MriRequestFactory(pathway=urgent, requested_on=timezone.localdate() - datetime.timedelta(days=3))
    page = login_page(radiologist)
    walk = Walk(page)

    # Urgent first on the list, whatever the dates.
    rows = page.locator('[data-worklist="suitability"] tbody tr')
    expect(rows.first).to_contain_text(str(urgent.patient))
    expect(rows.first).to_contain_text("Urgent")
    expect(rows.nth(1)).to_contain_text(str(routine.patient))
    rows.first.get_by_role("link").click()

    # The referral's pathway page moves it on to suitability.
    page.get_by_role("button", name="Move on to suitability assessment").click()
    expect(page.get_by_text("Moved to suitability assessment.")).to_be_visible()
    page.get_by_role("link", name="Suitability assessment").first.click()
    page.get_by_label("Pain score").fill("8")
    page.get_by_label("Pain at the fracture level on examination").check()
    page.get_by_label("T12", exact=True).check()
    page.get_by_label("Conservative treatment tried").fill("Co-codamol and physiotherapy for 5 weeks.")
    page.get_by_label("Pain persists despite optimal analgesia").check()
    page.locator("#id_neuro_exam").select_option("normal")
    page.get_by_label("MDT discussion date").fill(_day(0))
    page.locator("#id_mdt_radiologist").select_option(index=1)  # a radiologist from the staff list
    page.get_by_label("MDT spinal surgeon").fill("Mr Patel")
    page.get_by_label("Access to a spinal surgery service documented").check()
    page.get_by_label("Bone health plan").select_option("referred")
    page.locator("#id_outcome").select_option("suitable")
    page.locator("#id_baseline_pain_rest").fill("6")
    page.locator("#id_baseline_pain_activity").fill("8")
    for n in range(1, 11):
        page.locator(f"#id_odi_{n}_3").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Suitability assessment saved.")).to_be_visible()
    page.locator("#move-on").get_by_role("button", name="Move on to MRI review").click()

    # The MRI review, reported level by level, then on to pre-assessment (the nurse's).
    expect(page.get_by_role("heading", name="MRI review", exact=True)).to_be_visible()
    page.get_by_label("MRI safety screen done").check()
    page.get_by_label("Scan date").fill(_day(-1))
    page.get_by_label("Accession number").fill("RAD000778")
    page.locator("#id_reported_by").select_option(index=1)
    page.locator("#id_report").fill("Acute T12 fracture with STIR oedema.")
    page.get_by_label("Level, row 1").select_option("T12")
    page.get_by_label("Oedema on STIR, row 1").select_option("present")
    page.get_by_label("Height loss (%), row 1").fill("25")
    page.get_by_label("Concordant with the examination, row 1").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("MRI review saved.")).to_be_visible()
    page.locator("#move-on").get_by_role("button", name="Move on to pre-assessment").click()
    expect(page.get_by_text("Moved to pre-assessment.")).to_be_visible()

    assert Pathway.objects.get(pk=urgent.pk).stage == Stage.PRE_ASSESSMENT
    assert len(walk.loads) < 8, walk.loads
    assert walk.errors == []


def test_nurse_pre_assessment_recovery_and_follow_up(reference_data, login_page, nurse, consultant, live_server):
    pre = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)
    SuitabilityAssessmentFactory(pathway=pre, suspected_levels=["T12"])
    MriLevelFindingFactory(scan=MriScanFactory(pathway=pre), level="T12")
    procedure = ProcedureFactory(pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=consultant)
    recovering = procedure.pathway
    RecoveryFactory(pathway=recovering)
    follow_up = FollowUpFactory(due_on=timezone.localdate())
    page = login_page(nurse)
    walk = Walk(page)

    # Pre-assessment, from the worklist: the form, saved (2 loads).
    mark = len(walk.loads)
    _worklist_row(page, "pre_assessment", pre.patient).get_by_role("link").click()
    page.get_by_label("Planned procedure date").fill(_day(10))
    for field, value in [("hb_g_l", "128"), ("platelets", "210"), ("inr", "1.1")]:
        page.locator(f"#id_{field}").fill(value)
    for label in ("Haemoglobin sample date", "Platelets sample date", "INR sample date"):
        page.get_by_label(label).fill(_day(0))
    page.get_by_label("Creatinine (µmol/L)").fill("80")
    page.get_by_label("Creatinine and eGFR sample date").fill(_day(0))
    page.get_by_label("Weight (kg)").fill("64")
    page.locator("#id_asa_grade").select_option("2")
    page.get_by_label("No known allergies").check()
    page.get_by_label("Medicines reconciliation done").check()
    page.get_by_label("Left leg power (MRC 0-5)").fill("5")
    page.get_by_label("Right leg power (MRC 0-5)").fill("5")
    page.get_by_label("Left leg sensation").select_option("normal")
    page.get_by_label("Right leg sensation").select_option("normal")
    page.get_by_label("Escort and overnight carer confirmed").check()
    page.get_by_label("Transport home arranged").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pre-assessment saved.")).to_be_visible()
    assert PreAssessment.objects.filter(pathway=pre).exists()
    assert len(walk.since(mark)) <= 2, walk.since(mark)

    # Recovery, from the worklist: the recovery page, an observation set, discharge (4 loads).
    _back_to_worklist(page)
    mark = len(walk.loads)
    _worklist_row(page, "recovery", recovering.patient).get_by_role("link").click()
    page.get_by_role("link", name="Add an observation set").click()
    page.get_by_label("Taken at").fill(_local(5))
    for field, value in (
        ("respiration_rate", "16"),
        ("spo2", "97"),
        ("systolic_bp", "128"),
        ("pulse", "72"),
        ("temperature_c", "36.8"),
        ("pain_nrs", "2"),
        ("left_leg_power", "5"),
        ("right_leg_power", "5"),
    ):
        page.locator(f"#id_{field}").fill(value)
    page.get_by_label("Left leg sensation").select_option("normal")
    page.get_by_label("Right leg sensation").select_option("normal")
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_text("An observation set saved.")).to_be_visible()
    assert ObservationSet.objects.filter(recovery__pathway=recovering).count() == 1
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.get_by_text("Discharged. Follow-up due")).to_be_visible()
    assert Pathway.objects.get(pk=recovering.pk).stage == Stage.FOLLOW_UP
    assert len(walk.since(mark)) <= 4, walk.since(mark)

    # The 4-week follow-up, from the worklist: the form, saved (2 loads).
    _back_to_worklist(page)
    mark = len(walk.loads)
    _worklist_row(page, "follow_up", follow_up.pathway.patient).get_by_role("link").click()
    page.get_by_label("Reviewed on").fill(_day(0))
    page.get_by_label("Method").select_option("telephone")
    page.locator("#id_pain_rest").fill("2")
    page.locator("#id_pain_activity").fill("3")
    for n in range(1, 11):
        page.locator(f"#id_odi_{n}_1").check()
    page.get_by_label("Analgesic use").select_option("non_opioid")
    page.get_by_label("New vertebral fracture since the procedure").select_option("false")
    page.get_by_label("Any complication since discharge").select_option("false")
    page.get_by_label("Bone-health plan confirmed").check()
    page.get_by_label("Outcome", exact=True).select_option("discharged")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Follow-up saved.")).to_be_visible()
    assert FollowUp.objects.get(pk=follow_up.pk).reviewed_on == timezone.localdate()
    assert len(walk.since(mark)) <= 2, walk.since(mark)

    assert len(walk.loads) <= 10, walk.loads  # the three, and twice back to the worklist
    assert walk.errors == []


def test_manager_worklist_dashboard_pathway_and_export(reference_data, login_page, manager, live_server):
    pathways = [PathwayFactory(current_stage=stage) for stage in (Stage.REFERRAL, Stage.MRI, Stage.CONSENT)]
    page = login_page(manager)
    walk = Walk(page)

    # The manager's worklist is the service summary, with the way to the dashboard.
    expect(page.get_by_text("Your worklist is the service dashboard")).to_be_visible()
    page.get_by_role("link", name="Open the dashboard").click()
    expect(page.get_by_role("heading", name="Service dashboard")).to_be_visible()
    page.get_by_role("link", name="Pathways", exact=True).first.click()
    expect(page.get_by_role("heading", name="Pathways", exact=True)).to_be_visible()
    expect(page.locator("table caption")).to_contain_text("3 pathways")
    page.get_by_role("link", name=str(pathways[1].patient)).click()
    expect(page.get_by_role("heading", name=f"Pathway {pathways[1].pk}:")).to_be_visible()
    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV of these pathways").click()
    with open(download_info.value.path()) as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert sorted(int(r["pathway_id"]) for r in rows) == sorted(p.pk for p in pathways)

    assert len(walk.loads) < 5, walk.loads
    assert walk.errors == []
