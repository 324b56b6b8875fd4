import pytest
from playwright.sync_api import expect

from tests.factories import PathwayFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_radiologist_finds_patient_by_nhs_number_and_opens_pathway(reference_data, login_page, radiologist):
    patient = PatientFactory(nhs_number="9434765919", family_name="Okafor", given_name="Ada")
    PatientFactory(family_name="Smith")
    pathway = PathwayFactory(patient=patient, referrer_organisation="Riverside Surgery")

    page = login_page(radiologist)
    expect(page.get_by_role("heading", name="My worklist")).to_be_visible()
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("NHS number, hospital number or name").fill("943 476 5919")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="OKAFOR, Ada")).to_be_visible()
    expect(page.get_by_text("SMITH")).to_have_count(0)
    page.get_by_role("link", name="OKAFOR, Ada").click()
    page.get_by_role("link", name=pathway.referral_received_on.strftime("%-d %b %Y")).click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator(".timeline li").first).to_contain_text("in progress")
