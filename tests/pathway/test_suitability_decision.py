"""Issue 14 item 4: a consultant radiologist records the suitability decision; a trainee drafts it
for a consultant to confirm (domain.md 2.3, 10); the grade is on the user, set by an admin; the local
age threshold at G2 is a rule with bounds (domain.md 2.4)."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError

from accounts.models import User
from pathway.models import Rule, SuitabilityAssessment
from pathway.mri.gates import gate_pre_assessment
from pathway.suitability import gates as suitability_gates
from tests.factories import UserFactory
from tests.pathway import preprocedure_payloads as payload
from tests.pathway.preprocedure_helpers import update
from tests.pathway.preprocedure_payloads import url

pytestmark = pytest.mark.django_db


def _draft_reason(name):
    return f"The suitability decision is a draft by {name}: a consultant radiologist must confirm it."


def test_a_trainees_save_is_a_draft_that_a_consultant_confirms(client, consultant, at_pre_assessment):
    trainee = UserFactory(role="Radiologist", grade="trainee", first_name="Tom", last_name="Trainee")
    client.force_login(trainee)
    response = client.post(url(at_pre_assessment, "suitability"), payload.suitability(), follow=True)
    assert (
        "Suitability assessment saved as a draft: a consultant radiologist must confirm it."
        in response.content.decode()
    )
    record = SuitabilityAssessment.objects.get(pathway=at_pre_assessment)
    assert (record.drafted_by, record.decided_by) == (trainee, None)
    pathway = type(at_pre_assessment).objects.get(pk=at_pre_assessment.pk)
    reasons = suitability_gates.gate_mri(pathway)
    assert reasons == [_draft_reason("Tom Trainee")]
    assert not reasons[0].overridable
    # The consultant confirms by saving the assessment.
    client.force_login(consultant)
    data = payload.suitability(expected_version=record.version)
    assert client.post(url(at_pre_assessment, "suitability"), data).status_code == 302
    record.refresh_from_db()
    assert (record.decided_by, record.drafted_by) == (consultant, trainee)
    assert suitability_gates.gate_mri(type(pathway).objects.get(pk=pathway.pk)) == []


def test_a_draft_also_blocks_g2(ready):
    pathway = update(ready, suitability={"decided_by": None, "decided_at": None})
    assert gate_pre_assessment(pathway)[0] == _draft_reason("a trainee")


def test_a_doctor_without_a_grade_only_drafts(client, at_pre_assessment):
    ungraded = UserFactory(role="Radiologist")
    User.objects.filter(pk=ungraded.pk).update(grade="")
    client.force_login(User.objects.get(pk=ungraded.pk))
    client.post(url(at_pre_assessment, "suitability"), payload.suitability())
    assert SuitabilityAssessment.objects.get(pathway=at_pre_assessment).is_draft


def test_the_grade_is_set_in_the_admin():
    assert "grade" in site._registry[User].fieldsets[-1][1]["fields"]


# --- the local age threshold at G2 ----------------------------------------------------------------


def _age_reasons(pathway):
    return [r for r in gate_pre_assessment(pathway) if "at assessment, below the local minimum age" in r]


def test_the_patient_age_rule(ready):
    assessed = ready.suitability.assessed_on
    patient = ready.patient
    type(patient).objects.filter(pk=patient.pk).update(date_of_birth=assessed.replace(year=assessed.year - 18))
    pathway = type(ready).objects.get(pk=ready.pk)
    assert _age_reasons(pathway) == ["The patient was 18 at assessment, below the local minimum age of 19."]
    assert _age_reasons(pathway)[0].overridable  # a local threshold: overridable with a written reason
    type(patient).objects.filter(pk=patient.pk).update(
        date_of_birth=assessed.replace(year=assessed.year - 19) - datetime.timedelta(days=1)
    )
    assert _age_reasons(type(ready).objects.get(pk=ready.pk)) == []


def test_the_age_rule_has_bounds(reference_data):
    rule = Rule.objects.get(key="patient_age_min_years")
    assert (rule.value, rule.minimum, rule.maximum) == (19, 18, 60)
    rule.value = 65
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert exc.value.message_dict["value"] == ["The youngest age for the procedure must be between 18 and 60 years."]
