"""Patient documents (issue 14 item 14): the "your medicines before the procedure" letter, rendered
and stored when the pre-assessment is saved and served as stored, and the discharge sheet, both with
the patient's own stop and restart dates and the leaflets' advice in full. Checked by the PDF's text."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pathway.models import MedicinesLetter, Pathway, PreAssessment, Stage
from pathway.recovery import discharge_sheet as recovery_discharge_sheet
from tests.factories import AntithromboticMedicineFactory, ProcedureFactory
from tests.pathway import preprocedure_payloads as payload
from tests.pathway.day_helpers import make_day_pathway
from tests.pathway.preprocedure_payloads import url

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def long_date(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_saving_the_pre_assessment_stores_the_letter_with_the_stop_dates(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    data = payload.pre_assessment(medicines=[{"drug": "apixaban", "dose": "5 mg bd"}, {"drug": "clopidogrel"}])
    assert client.post(url(at_pre_assessment, "pre_assessment"), data).status_code == 302
    letter = MedicinesLetter.objects.get()
    planned = Pathway.objects.get(pk=at_pre_assessment.pk).planned_procedure_on
    response = client.get(reverse("pathway:medicines_letter", kwargs={"pk": at_pre_assessment.pk}))
    assert response.status_code == 200
    pdf = b"".join([response.content])
    with letter.file.open("rb") as handle:
        assert handle.read() == pdf  # served as stored
    text = text_of(pdf)
    assert "Your medicines before the procedure" in text
    assert long_date(planned) in text
    # Apixaban: 2 full days with no dose and none on the day; clopidogrel 5 (domain.md 4.3).
    assert f"Apixaban {long_date(planned - datetime.timedelta(days=3))}" in text
    assert f"Clopidogrel {long_date(planned - datetime.timedelta(days=6))}" in text
    for fact in (
        "Do not take aspirin or anything containing it for 24 hours after the procedure",
        "some cold and flu remedies",
        "Do not stop strong painkillers",
        "they are reduced slowly, with your doctor keeping an eye on you",
        "Rest for the first 24 hours, then build up your normal activities gradually",
        "Most people feel their fracture pain ease within one to two days",
        "Keep taking your regular painkillers for three days afterwards",
    ):
        assert fact in text, fact


def test_reading_the_letter_never_writes(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    letter_url = reverse("pathway:medicines_letter", kwargs={"pk": at_pre_assessment.pk})
    assert client.get(letter_url).status_code == 404  # not saved yet: nothing made on a read
    assert not MedicinesLetter.objects.exists()
    client.post(url(at_pre_assessment, "pre_assessment"), payload.pre_assessment())
    client.get(letter_url)
    client.get(url(at_pre_assessment, "pre_assessment"))
    assert MedicinesLetter.objects.count() == 1
    text = text_of(client.get(letter_url).content)
    assert "you do not take any anticoagulant or antiplatelet" in text


def test_each_save_stores_the_letter_as_it_then_stands(client, nurse, at_pre_assessment):
    client.force_login(nurse)
    client.post(url(at_pre_assessment, "pre_assessment"), payload.pre_assessment())
    pre = PreAssessment.objects.get(pathway=at_pre_assessment)
    data = payload.pre_assessment(
        medicines=[{"drug": "warfarin"}], planned_procedure_on=payload.day(12), expected_version=pre.version
    )
    assert client.post(url(at_pre_assessment, "pre_assessment"), data).status_code == 302
    assert MedicinesLetter.objects.count() == 2
    text = text_of(client.get(reverse("pathway:medicines_letter", kwargs={"pk": at_pre_assessment.pk})).content)
    assert "Warfarin" in text and "stay in hospital overnight" in text


def test_discharge_sheet_has_the_patients_stop_and_restart_dates_and_the_advice(reference_data):
    pathway = make_day_pathway(stage=Stage.RECOVERY)
    pre = pathway.pre_assessment
    pre.no_antithrombotics = False
    pre.save()
    AntithromboticMedicineFactory(pre_assessment=pre, drug="apixaban")
    ProcedureFactory(pathway=pathway)
    planned = pathway.planned_procedure_on
    text = text_of(recovery_discharge_sheet.render(pathway))
    last, restart = planned - datetime.timedelta(days=3), planned + datetime.timedelta(days=2)
    assert f"Apixaban {long_date(last)} {long_date(restart)}" in text
    for fact in (
        "Do not take aspirin, or anything that contains aspirin, for 24 hours",
        "Some cold and flu remedies and over-the-counter painkillers contain aspirin",
        "Rest for the first 24 hours",
        "go back to your normal activities gradually",
        "Most people feel the pain of the fracture ease within one to two days",
        "Do not stop strong painkillers (such as morphine-type medicines) suddenly on your own",
        "Keep taking your usual painkillers for the next 3 days",
    ):
        assert fact in text, fact
