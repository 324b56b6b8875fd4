"""A browser test of the day and after: (team brief recorded before the list) the named operator
confirms the consent (capacity re-checked), sign in with the legs before sedation and the last dose of
apixaban actually taken, time out, a level, sign out with the debrief, two observation sets on the timetable
against the baseline, discharge, the discharge advice sheet downloads; then the 4-week follow-up,
refused before its window opens and completed inside it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathway.models import FollowUp, LastDose, Pathway, Procedure, Stage
from tests.factories import AntithromboticMedicineFactory
from tests.pathway.day_helpers import make_day_pathway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(minutes_ago: int) -> str:
    return timezone.localtime(timezone.now() - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def _record_phase(page, phase: str, label: str):
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    if phase == "sign_in":
        # The patient is over the age the pregnancy question applies to: it is not asked.
        expect(page.get_by_label("Pregnancy status today")).to_have_count(0)
        # Legs before sedation: the baseline recovery compares with (domain.md 7.1).
        page.get_by_label("Left leg power now (MRC 0-5)").fill("5")
        page.get_by_label("Right leg power now (MRC 0-5)").fill("5")
        page.get_by_label("Left leg sensation now").select_option("normal")
        page.get_by_label("Right leg sensation now").select_option("normal")
        # The last dose of apixaban actually taken: three days ago, before its 2-day hold.
        page.get_by_label("Apixaban: last dose taken at").fill(_local(3 * 24 * 60))
    page.get_by_role("button", name=f"Record {label}").click()
    expect(page.get_by_text(f"{label.capitalize()} complete.")).to_be_visible()


def _observations(page, live_server, pathway, minutes_ago: int):
    page.goto(f"{live_server.url}/pathways/{pathway.pk}/recovery/observations/new/")
    page.get_by_label("Taken at").fill(_local(minutes_ago))
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


def test_the_day_from_sign_in_to_the_discharge_sheet(reference_data, login_page, live_server, radiologist, nurse):
    pathway = make_day_pathway(confirmation=False, operator=radiologist, no_antithrombotics=False)
    AntithromboticMedicineFactory(pre_assessment=pathway.pre_assessment, drug="apixaban")
    consent = pathway.consents.get()
    page = login_page(radiologist)
    server = live_server

    # The operator named before the day confirms the consent, re-checking capacity (domain.md 5.6).
    page.goto(f"{server.url}/pathways/{pathway.pk}/consent/{consent.pk}/confirm/")
    expect(page.locator("#named-operator")).to_contain_text("Rita Radiologist")
    page.get_by_label("The patient has no further questions").check()
    page.get_by_label("The patient still wishes to go ahead").check()
    page.locator("input[name=has_capacity_today][value=yes]").check()
    page.get_by_label("How capacity was checked").fill("Explained again; she repeated the main risks back.")
    page.get_by_role("button", name="Confirm consent").click()
    expect(page.get_by_text("Consent confirmed on the day.")).to_be_visible()

    # The radiologist's part of the day, by clicks from the sign in, counting page loads (issue 16:
    # a procedure day in under 8).
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(f"{server.url}/pathways/{pathway.pk}/procedure/checklist/sign_in/")
    _record_phase(page, "sign_in", "sign in")
    assert LastDose.objects.get(procedure__pathway=pathway).not_taken is False
    # Sign in leads to time out, time out to the treated-level form.
    expect(page.get_by_role("heading", name="Safety checklist: Time out")).to_be_visible()
    _record_phase(page, "time_out", "time out")

    # A level on the consent.
    page.get_by_label("Level").select_option("T12")
    page.get_by_label("Laterality").select_option("bipedicular")
    page.get_by_label("Needle gauge (G)").fill("11")
    page.get_by_label("Cement product").fill("PMMA bone cement")
    page.get_by_label("Cement lot number").fill("LOT123")
    page.get_by_label("Cement expiry date").fill((timezone.localdate() + datetime.timedelta(days=200)).isoformat())
    page.get_by_label("Cement volume (mL)").fill("4.5")
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_text("A treated level saved.")).to_be_visible()
    expect(page.locator("#treated-levels")).to_contain_text("T12")

    # The procedure record: operator, times, guidance, sedation, the CT reviewed; sign out comes next.
    page.get_by_label("Operator", exact=True).select_option(label=str(radiologist))
    page.get_by_label("Start", exact=True).fill(_local(80))
    page.get_by_label("End", exact=True).fill(_local(40))
    page.get_by_label("Fluoroscopy, biplane").check()
    page.get_by_label("Sedation drugs").fill("midazolam, 2 mg, IV, 09:05")
    page.get_by_label("Post-procedure CT done").check()
    page.get_by_label("Post-procedure CT reviewed by").select_option(label=str(radiologist))
    page.get_by_label("Dose-area product").fill("1250")
    page.get_by_label("DAP unit").select_option("cGy.cm2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Procedure saved.")).to_be_visible()
    # Sign out with the NatSSIPs debrief on the same page (domain.md 6.1; issue 16: no page of its
    # own), then the procedure page.
    expect(page.locator("#debrief-with-sign-out")).to_be_visible()
    _record_phase(page, "sign_out", "sign out")
    expect(page.get_by_text("Debrief complete.")).to_be_visible()
    procedure = Procedure.objects.get(pathway=pathway)
    assert procedure.phase_complete("sign_out") and procedure.phase_complete("debrief")

    # To recovery, from the procedure page.
    page.locator("#move-on").get_by_role("button", name="Move on to recovery and discharge").click()
    expect(page.get_by_text("Moved to recovery and discharge.")).to_be_visible()
    # Issue 16: a whole procedure day in under 8 page loads (7: sign in, time out, a level, the
    # record, sign out with the debrief, the move to recovery, counted from the sign-in page).
    assert len(loads) < 8, loads

    # The nurse takes over.
    page.context.clear_cookies()
    page = login_page(nurse)
    _observations(page, server, pathway, 30)
    _observations(page, server, pathway, 10)
    page.goto(f"{server.url}/pathways/{pathway.pk}/recovery/")
    expect(page.locator("#observations tbody tr")).to_have_count(2)
    expect(page.locator("#next-obs-due")).to_contain_text("Next set due at")
    page.get_by_label("Bed rest started").fill(_local(170))
    page.get_by_label("Bed rest ended").fill(_local(20))
    for label in (
        "Pain controlled on oral painkillers",
        "Mobilised safely",
        "Puncture site dry",
        "A responsible adult takes the patient home and stays overnight",
        "No driving for 24 hours",
        "A responsible adult stays overnight",
        "No aspirin for 24 hours",
        "Keep taking painkillers for 3 days",
        "When to restart anticoagulant or antiplatelet medicines",
        "Warning signs and what to do",
        "Who to call, day and night",
        "Bone-health (osteoporosis) plan",
        "The 4-week follow-up",
    ):
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recovery saved.")).to_be_visible()

    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.get_by_text("Discharged. Follow-up due")).to_be_visible()
    assert Pathway.objects.get(pk=pathway.pk).stage == Stage.FOLLOW_UP
    assert FollowUp.objects.filter(pathway=pathway).exists()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the discharge advice sheet (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"discharge-advice-pathway-{pathway.pk}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # The 4-week follow-up: not before its window opens (domain.md 8.1).
    page.goto(f"{server.url}/pathways/{pathway.pk}/follow_up/")
    expect(page.locator("#complete-heading")).to_be_visible()
    expect(page.get_by_text("the 4-week review cannot be completed before then")).to_be_visible()
    # Four weeks on: the discharge moved back 28 days, so the window is open today.
    back = datetime.timedelta(days=28)
    follow_up = FollowUp.objects.get(pathway=pathway)
    FollowUp.objects.filter(pk=follow_up.pk).update(
        due_on=follow_up.due_on - back,
        window_opens_on=follow_up.window_opens_on - back,
        window_closes_on=follow_up.window_closes_on - back,
    )
    page.goto(f"{server.url}/pathways/{pathway.pk}/follow_up/")
    page.get_by_label("Reviewed on").fill(timezone.localdate().isoformat())
    page.get_by_label("Method").select_option("telephone")
    page.locator("#id_pain_rest").fill("2")
    page.locator("#id_pain_activity").fill("3")
    for n, answer in enumerate([1, 0, 2, 1, 1, 1, 0, None, 1, 1], 1):
        if answer is not None:
            page.locator(f"#id_odi_{n}_{answer}").check()
    page.get_by_label("Analgesic use").select_option("non_opioid")
    page.get_by_label("New vertebral fracture since the procedure").select_option("false")
    page.get_by_label("Any complication since discharge").select_option("false")
    page.get_by_label("Bone-health plan confirmed").check()
    page.get_by_label("Outcome", exact=True).select_option("discharged")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Follow-up saved.")).to_be_visible()
    page.goto(f"{server.url}/pathways/{pathway.pk}/follow_up/")
    expect(page.locator("#outcome-changes")).to_contain_text("ODI")
    page.get_by_role("button", name="Complete and close the pathway").click()
    expect(page.get_by_text("Follow-up complete; the pathway is closed.")).to_be_visible()
    assert not Pathway.objects.get(pk=pathway.pk).is_open
