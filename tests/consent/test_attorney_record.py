"""Issue 14 item 10: a lasting power of attorney or deputy, and an advance decision, as a structured
record (type, the attorney's name, registration checked, scope covering health decisions); a Form 4
requires it where it applies (MCA 2005; domain.md 5.5 [A][R39])."""

import pytest
from django.core.exceptions import ValidationError

from consent import gates, services
from consent.models import CapacityAssessment
from tests.factories import CapacityAssessmentFactory, ConsentConfirmationFactory, ConsentRecordFactory

pytestmark = pytest.mark.django_db

PREFIX = "The Form 4 best-interests record is incomplete: "
LPA = {
    "attorney": "lpa",
    "attorney_name": "Susan Reed (daughter)",
    "attorney_registration_checked": True,
    "attorney_covers_health": True,
    "attorney_consents": True,
}


def _form4_reasons(pathway, **capacity):
    consent = ConsentRecordFactory(pathway=pathway, form_type="form4", signed=True)
    CapacityAssessmentFactory(consent=consent, **capacity)
    ConsentConfirmationFactory(consent=consent, has_capacity_today=False)
    pathway = type(pathway).objects.get(pk=pathway.pk)
    return [i.reason for i in gates.consent_items(pathway) if not i.met]


@pytest.mark.parametrize(
    ("capacity", "missing"),
    [
        ({}, None),  # checked: none registered
        (LPA, None),  # a registered health and welfare attorney who consents
        ({**LPA, "attorney_name": ""}, "the attorney's or deputy's name"),
        (
            {**LPA, "attorney_registration_checked": False},
            "the check of the attorney's registration with the Office of the Public Guardian",
        ),
        ({**LPA, "attorney_covers_health": None}, "whether the attorney's authority covers health decisions"),
        ({**LPA, "attorney_consents": None}, "the attorney's or deputy's decision"),
        ({**LPA, "attorney_consents": False}, "the attorney or deputy refuses this treatment"),
        # A property and financial affairs attorney does not decide about treatment.
        ({**LPA, "attorney": "lpa_property", "attorney_covers_health": False, "attorney_consents": None}, None),
        (
            {"advance_decision": "not_applicable"},
            "where the advance decision was found and why it does or does not apply",
        ),
        ({"advance_decision": "not_applicable", "advance_decision_details": "GP record: refuses CPR only."}, None),
    ],
)
def test_form4_requires_the_attorney_record_where_it_applies(ready_pathway, capacity, missing):
    reasons = _form4_reasons(ready_pathway, **capacity)
    assert reasons == ([f"{PREFIX}{missing}."] if missing else [])


def test_the_attorney_fields_are_checked_on_the_record(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type="form4")
    capacity = CapacityAssessment(consent=consent, attorney="lpa_property", attorney_covers_health=True)
    with pytest.raises(ValidationError) as exc:
        capacity.clean()
    assert exc.value.message_dict == {
        "attorney_name": ["Name the attorney or deputy."],
        "attorney_covers_health": ["A property and financial affairs LPA does not cover health decisions."],
    }
    capacity = CapacityAssessment(consent=consent, attorney="none", attorney_name="Someone")
    with pytest.raises(ValidationError) as exc:
        capacity.clean()
    assert exc.value.message_dict == {
        "attorney": ["Attorney details are given: choose the type of attorney or deputy."]
    }


def test_form4_confirmation_expects_the_patient_still_lacks_capacity(ready_pathway, radiologist):
    consent = ConsentRecordFactory(pathway=ready_pathway, form_type="form4", signed=True, operator=radiologist)
    CapacityAssessmentFactory(consent=consent)
    args = {
        "no_further_questions": True,
        "wishes_to_proceed": True,
        "risks_rediscussed": False,
        "changes_noted": "",
        "capacity_how": "Could not retain the explanation.",
    }
    with pytest.raises(services.ConsentError) as exc:
        services.confirm_consent(acting_user=radiologist, consent=consent, has_capacity_today=True, **args)
    assert exc.value.reasons == [
        "The patient has capacity for this decision today: they decide for themselves on a Form 1 consent."
    ]
    services.confirm_consent(acting_user=radiologist, consent=consent, has_capacity_today=False, **args)
