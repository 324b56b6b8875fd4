"""Issue 14 item 2: the operator is named before the day, confirms on the day (domain.md 5.6) or a
delegate does with a recorded reason (domain.md 10); a trainee never alone; capacity is re-checked;
at sign in a missing or out-of-window confirmation cannot be overridden."""

import datetime

import pytest
from django.utils import timezone

from consent import gates, services
from consent.models import ConsentRecord
from pathway.core.gating import GateClosed
from pathway.procedure import gates as procedure_gates
from tests.factories import ConsentRecordFactory, UserFactory
from tests.pathway.day_helpers import answer, make_day_pathway

pytestmark = pytest.mark.django_db

OK = {
    "no_further_questions": True,
    "wishes_to_proceed": True,
    "risks_rediscussed": False,
    "changes_noted": "",
    "has_capacity_today": True,
    "capacity_how": "Explained again; she repeated the main risks back.",
}


def _confirm(consent, user, **kwargs):
    consent = ConsentRecord.objects.get(pk=consent.pk)
    return services.confirm_consent(acting_user=user, consent=consent, **{**OK, **kwargs})


@pytest.fixture
def operator(db):
    return UserFactory(role="Consultant", first_name="Olu", last_name="Operator")


@pytest.fixture
def signed(ready_pathway, operator):
    return ConsentRecordFactory(pathway=ready_pathway, signed=True, operator=operator)


def test_the_operator_is_named_before_signing(ready_pathway):
    consent = ConsentRecordFactory(pathway=ready_pathway, operator=None)
    assert "The operator who will perform the procedure is not named." in gates.sign_refusals(ready_pathway, consent)


def test_the_named_operator_confirms(signed, operator):
    confirmation = _confirm(signed, operator)
    assert confirmation.confirmed_by == operator
    assert confirmation.delegation_reason == ""
    assert confirmation.has_capacity_today is True


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        (
            {},
            ["You are not the named operator (Olu Operator): record why you confirm on their behalf."],
        ),
        ({"delegation_reason": "Dr Operator is delayed in theatre; I am the second operator on the list."}, []),
    ],
)
def test_a_delegate_records_why(signed, consultant, kwargs, reasons):
    if reasons:
        with pytest.raises(services.ConsentError) as exc:
            _confirm(signed, consultant, **kwargs)
        assert exc.value.reasons == reasons
    else:
        assert _confirm(signed, consultant, **kwargs).delegation_reason.startswith("Dr Operator is delayed")


def test_a_trainee_never_confirms_alone(ready_pathway, consultant):
    trainee = UserFactory(role="Radiologist", grade="trainee")
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, operator=trainee)
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, trainee)
    assert exc.value.reasons == ["A trainee cannot confirm consent alone: name the supervising consultant."]
    other_trainee = UserFactory(role="Radiologist", grade="trainee")
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, trainee, supervised_by=other_trainee)
    assert exc.value.reasons == ["The supervising clinician must be a consultant."]
    confirmation = _confirm(consent, trainee, supervised_by=consultant)
    assert confirmation.supervised_by == consultant


@pytest.mark.parametrize(
    ("form_type", "kwargs", "reason"),
    [
        (
            "form1",
            {"has_capacity_today": None},
            "Record whether the patient has capacity for this decision today, and how it was checked.",
        ),
        (
            "form1",
            {"capacity_how": " "},
            "Record whether the patient has capacity for this decision today, and how it was checked.",
        ),
        (
            "form1",
            {"has_capacity_today": False},
            "The patient does not have capacity for this decision today: do not go ahead on this Form 1 "
            "(a capacity assessment and a Form 4 are needed).",
        ),
    ],
)
def test_capacity_is_rechecked(ready_pathway, operator, form_type, kwargs, reason):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=True, operator=operator, form_type=form_type)
    with pytest.raises(services.ConsentError) as exc:
        _confirm(consent, operator, **kwargs)
    assert exc.value.reasons == [reason]


# --- at sign in -------------------------------------------------------------------------------------


def _consent_reasons(pathway):
    pathway = type(pathway).objects.get(pk=pathway.pk)
    return [i.reason for i in gates.consent_items(pathway) if not i.met]


def _confirmation(case: str):
    """None confirmed; confirmed yesterday by the operator; confirmed today by someone else, no reason."""
    if case == "none":
        return False
    if case == "yesterday":
        return {"confirmed_at": timezone.now() - datetime.timedelta(days=1)}
    return {"confirmed_by": UserFactory(role="Consultant")}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("none", "The consent has not been confirmed on the day by the operator."),
        (
            "yesterday",
            "The consent was confirmed on {d1}, not on the day of the procedure ({d0}): the operator confirms it "
            "again on the day.",
        ),
        (
            "other",
            "The consent was confirmed by someone other than the named operator, with no delegation recorded.",
        ),
    ],
)
def test_sign_in_cannot_override_a_missing_or_out_of_window_confirmation(reference_data, consultant, case, reason):
    pathway = make_day_pathway(confirmation=_confirmation(case))
    today = timezone.localdate()
    expected = reason.format(d1=f"{today - datetime.timedelta(days=1):%-d %b %Y}", d0=f"{today:%-d %b %Y}")
    assert _consent_reasons(pathway) == [expected]
    # Listing before the day may still be overridden (G4); the sign in never overrides it.
    assert _consent_reasons(pathway)[0].overridable
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", consultant, override_reason="The operator is here and agrees.")
    assert exc.value.reasons == [expected]


def test_a_delegates_confirmation_passes_the_sign_in(reference_data, radiologist):
    pathway = make_day_pathway(
        confirmation={"confirmed_by": UserFactory(role="Consultant"), "delegation_reason": "Operator delayed."}
    )
    assert _consent_reasons(pathway) == []
    answer(pathway, "sign_in", radiologist)
    assert [i for i in procedure_gates.sign_in_items(pathway) if not i.met] == []
