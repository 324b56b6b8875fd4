"""Issue 16: the pregnancy question only where it applies (domain.md 4.4; NICE NG45 1.3.1): not for a
man, nor for a woman older than the rule's age (55 by default). When it is skipped the reason is
recorded with the answer and kept in the record's history; a clinician who answers "not applicable"
for anyone else gives the reason."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.models import PreAssessment, Procedure, Rule, Sex, Stage
from pathway.pre_assessment import pregnancy
from pathway.procedure import gates as procedure_gates
from pathway.workflow import WorkflowError
from tests.factories import PathwayFactory, PatientFactory
from tests.pathway import preprocedure_payloads as payloads
from tests.pathway.day_helpers import answer, make_day_pathway

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)


def _born(years: int, days: int = 0) -> datetime.date:
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("sex", "born", "reason"),
    [
        (Sex.MALE, _born(40), "Not applicable: male"),
        (Sex.MALE, _born(85), "Not applicable: male"),
        (Sex.FEMALE, _born(85), "Not applicable: aged 85 (over 55)"),
        (Sex.FEMALE, _born(56), "Not applicable: aged 56 (over 55)"),
        (Sex.FEMALE, _born(55, days=364), ""),  # 55 today: still asked
        (Sex.FEMALE, _born(40), ""),
        (Sex.OTHER, _born(40), ""),  # sex not stated: asked
        (Sex.OTHER, _born(70), "Not applicable: aged 70 (over 55)"),
    ],
)
def test_who_is_asked(sex, born, reason):
    patient = PatientFactory.build(sex=sex, date_of_birth=born)
    assert pregnancy.not_applicable_reason(patient, TODAY, 55) == reason


def test_the_age_is_a_rule(reference_data):
    patient = PatientFactory(sex=Sex.FEMALE, date_of_birth=_born(52))
    pathway = make_day_pathway(patient=patient)
    assert pregnancy.skipped_reason(pathway, TODAY) == ""
    Rule.objects.filter(key=pregnancy.MAX_AGE_RULE).update(value=50)
    pathway = type(pathway).objects.get(pk=pathway.pk)  # the rule is read once per page's pathway
    assert pregnancy.skipped_reason(pathway, TODAY) == "Not applicable: aged 52 (over 50)"


def pre_assessment_pathway(*, patient):
    return PathwayFactory(current_stage=Stage.PRE_ASSESSMENT, patient=patient)


def _pre_assessment_page(client, pathway) -> str:
    return client.get(reverse("pathway:pre_assessment", kwargs={"pk": pathway.pk})).content.decode()


@pytest.mark.parametrize(
    ("sex", "age", "asked", "reason"),
    [
        (Sex.MALE, 60, False, "Not applicable: male"),
        (Sex.FEMALE, 85, False, "Not applicable: aged 85 (over 55)"),
        (Sex.FEMALE, 40, True, ""),
    ],
)
def test_the_pre_assessment_asks_only_where_it_applies(client, reference_data, nurse, sex, age, asked, reason):
    today = timezone.localdate()
    patient = PatientFactory(sex=sex, date_of_birth=today.replace(year=today.year - age, day=1))
    pathway = pre_assessment_pathway(patient=patient)
    client.force_login(nurse)
    page = _pre_assessment_page(client, pathway)
    assert ('name="pregnancy_status"' in page) is asked
    assert ('name="breastfeeding"' in page) is asked
    if not asked:
        assert f"not asked. {reason}." in page
    data = payloads.pre_assessment()
    if asked:
        data.update(pregnancy_status="not_pregnant_statement")
    response = client.post(payloads.url(pathway, "pre_assessment"), data)
    assert response.status_code == 302, response.context["form"].errors
    record = PreAssessment.objects.get(pathway=pathway)
    expected = ("not_applicable", reason) if not asked else ("not_pregnant_statement", "")
    assert (record.pregnancy_status, record.pregnancy_not_applicable_reason) == expected
    # Kept in the record's history.
    assert record.history.first().pregnancy_not_applicable_reason == reason


def test_not_applicable_for_a_woman_who_is_asked_needs_a_reason(client, reference_data, nurse):
    today = timezone.localdate()
    pathway = pre_assessment_pathway(patient=PatientFactory(date_of_birth=today.replace(year=today.year - 45, day=1)))
    client.force_login(nurse)
    url = payloads.url(pathway, "pre_assessment")
    response = client.post(url, payloads.pre_assessment(pregnancy_status="not_applicable"))
    assert response.status_code == 200
    assert response.context["form"].errors["pregnancy_not_applicable_reason"] == [pregnancy.NEEDS_REASON]
    data = payloads.pre_assessment(
        pregnancy_status="not_applicable", pregnancy_not_applicable_reason="Hysterectomy 2019"
    )
    assert client.post(url, data).status_code == 302
    assert PreAssessment.objects.get(pathway=pathway).pregnancy_not_applicable_reason == "Hysterectomy 2019"


def test_an_unknown_pregnancy_answer_is_a_field_error(client, reference_data, nurse):
    today = timezone.localdate()
    pathway = pre_assessment_pathway(patient=PatientFactory(date_of_birth=today.replace(year=today.year - 30, day=1)))
    client.force_login(nurse)
    response = client.post(payloads.url(pathway, "pre_assessment"), payloads.pre_assessment(pregnancy_status="unsure"))
    assert response.status_code == 200
    assert response.context["form"].errors["pregnancy_status"] == [
        "Select a valid choice. unsure is not one of the available choices."
    ]


def test_the_sign_in_records_why_it_did_not_ask(reference_data, radiologist):
    """An 81-year-old woman (the factory's patient): not asked at sign in, the reason recorded."""
    pathway = make_day_pathway()
    assert not procedure_gates.pregnancy_check_applies(pathway)
    answer(pathway, "sign_in", radiologist, pregnancy_status="")
    procedure = Procedure.objects.get(pathway=pathway)
    age = pathway.patient.age
    reason = f"Not applicable: aged {age} (over 55)"
    assert (procedure.pregnancy_status_on_day, procedure.pregnancy_not_applicable_reason) == ("not_applicable", reason)
    labels = [item.label for item in procedure_gates.sign_in_items(pathway) if item.met]
    assert f"Pregnancy question not asked (not applicable: aged {age} (over 55))" in labels
    assert procedure.history.first().pregnancy_not_applicable_reason == reason


def test_the_sign_in_asks_a_young_woman_and_needs_a_reason_for_not_applicable(client, reference_data, radiologist):
    today = timezone.localdate()
    pathway = make_day_pathway(patient=PatientFactory(date_of_birth=today.replace(year=today.year - 35, day=1)))
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": pathway.pk, "phase": "sign_in"})
    page = client.get(url).content.decode()
    assert 'name="pregnancy_status"' in page and 'name="pregnancy_not_applicable_reason"' in page
    with pytest.raises(WorkflowError, match="Say why the pregnancy question does not apply"):
        answer(pathway, "sign_in", radiologist, pregnancy_status="not_applicable")
    answer(
        pathway, "sign_in", radiologist, pregnancy_status="not_applicable", pregnancy_not_applicable_reason="Sterilised"
    )
    procedure = Procedure.objects.get(pathway=pathway)
    assert procedure.pregnancy_not_applicable_reason == "Sterilised"


def test_the_sign_in_page_does_not_ask_a_man(client, reference_data, radiologist):
    pathway = make_day_pathway(patient=PatientFactory(sex=Sex.MALE))
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": pathway.pk, "phase": "sign_in"})
    page = client.get(url).content.decode()
    assert 'name="pregnancy_status"' not in page
    assert "Pregnancy question not asked (not applicable: male)" in page
