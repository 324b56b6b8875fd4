"""Never a 500 on input, over HTTP: the pages that answered 500 to the fuzzing run (issue "Never a 500
on input") take generated hostile input through the test client, as a signed-in persona with the
role that may record there. The answer is never a server error, and invalid input saves nothing.
The form-level properties of every form are in tests/test_form_inputs.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from pathway.core.forms import PatientForm, PatientSearchForm
from pathway.follow_up.forms import FollowUpForm
from pathway.models import FollowUp, ObservationSet, Patient
from pathway.recovery.forms import ObservationSetForm
from tests.factories import FollowUpFactory, PatientFactory, RecoveryFactory, SuitabilityAssessmentFactory
from tests.form_inputs_strategies import (
    GENERATED,
    OTHER_DIGITS,
    PROPERTY_SETTINGS,
    as_post,
    as_query_dict,
    field_strategy,
    form_data,
    report_generated_inputs,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session", autouse=True)
def _report_generated_inputs(request):
    report_generated_inputs(request.config)


def nearly_valid(form_class, unbound, valid: dict) -> st.SearchStrategy[dict]:
    """A valid submission with one to three of its fields replaced by generated values."""
    fields = {name: f for name, f in unbound.fields.items() if not f.disabled}
    names = sorted(fields)

    @st.composite
    def build(draw):
        data = dict(valid)
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
            data[name] = draw(field_strategy(form_class, name, fields[name]))
        return data

    return build()


def posted(form_class, unbound, valid: dict) -> st.SearchStrategy[dict]:
    return st.one_of(nearly_valid(form_class, unbound, valid), form_data(form_class, unbound)).map(as_post)


def history_count(model) -> int:
    return model.history.model.objects.count()


def check_posts(client, url: str, strategy, *, name: str, expect_valid: Callable, rows: Callable):
    """POST each generated input: never a 5xx; when the form refuses it, no row is added or changed."""

    @PROPERTY_SETTINGS
    @given(strategy)
    def property_holds(data):
        GENERATED[f"{name} (HTTP)"] += 1
        sid = transaction.savepoint()
        try:
            valid = expect_valid(as_query_dict(data))
            before = rows()
            response = client.post(url, data)
            assert response.status_code < 500
            if not valid:
                assert response.status_code == 200, "invalid input must show the form again"
                assert rows() == before, "invalid input saved something"
        finally:
            transaction.savepoint_rollback(sid)

    property_holds()


def test_observation_set_post_never_500(client, nurse):
    recovery = RecoveryFactory()
    client.force_login(nurse)
    url = reverse("pathway:observation_set_add", kwargs={"pk": recovery.pathway.pk})
    valid = {
        "taken_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "respiration_rate": "16",
        "spo2": "97",
        "spo2_scale": "1",
        "systolic_bp": "128",
        "diastolic_bp": "76",
        "pulse": "72",
        "consciousness": "A",
        "temperature_c": "36.8",
        "pain_nrs": "3",
    }
    unbound = ObservationSetForm(instance=ObservationSet())
    spo2_cases = st.sampled_from(["101", "49", "-0", "100.0", "٩٧", "⁹⁷", "1e2", "NaN"]).map(
        lambda v: {**valid, "spo2": v}
    )
    check_posts(
        client,
        url,
        st.one_of(spo2_cases, posted(ObservationSetForm, unbound, valid)),
        name="ObservationSetForm",
        expect_valid=lambda data: ObservationSetForm(data, instance=ObservationSet()).is_valid(),
        rows=lambda: (ObservationSet.objects.count(), history_count(ObservationSet)),
    )


def test_follow_up_post_never_500(client, nurse):
    follow_up = FollowUpFactory(recorded=True)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway, pain_score=7)
    client.force_login(nurse)
    url = reverse("pathway:follow_up", kwargs={"pk": follow_up.pathway.pk})
    valid = {
        "expected_version": str(follow_up.version),
        "reviewed_on": timezone.localdate().isoformat(),
        "method": "telephone",
        "pain_rest": "2",
        "pain_activity": "3",
        **{f"odi_{n}": "1" for n in range(1, 11)},
        "analgesic_use": "non_opioid",
        "new_fracture": "false",
        "complications_since_discharge": "false",
        "bone_health_confirmed": "on",
        "outcome": "discharged",
    }
    unbound = FollowUpForm(instance=follow_up)
    pain_cases = st.tuples(st.sampled_from(["pain_rest", "pain_activity"]), st.sampled_from(["11", "-1", "10.5", "٣"]))
    check_posts(
        client,
        url,
        st.one_of(pain_cases.map(lambda c: {**valid, c[0]: c[1]}), posted(FollowUpForm, unbound, valid)),
        name="FollowUpForm",
        expect_valid=lambda data: FollowUpForm(data, instance=FollowUp.objects.get(pk=follow_up.pk)).is_valid(),
        rows=lambda: (
            FollowUp.objects.count(),
            history_count(FollowUp),
            FollowUp.objects.get(pk=follow_up.pk).version,
        ),
    )


def test_patient_create_post_never_500(client, radiologist):
    PatientFactory(nhs_number="9434765919", hospital_number="H0000001")
    client.force_login(radiologist)
    url = reverse("pathway:patient_create")
    valid = {
        "nhs_number": "401 023 2137",
        "hospital_number": "h7777777",
        "family_name": "Okafor",
        "given_name": "Grace",
        "date_of_birth": "1941-06-02",
        "sex": "female",
        "phone": "07700 900456",
        "gp_practice": "Riverside Surgery",
    }
    unbound = PatientForm(instance=Patient())
    nhs_cases = st.sampled_from([*OTHER_DIGITS, "943 476 5919", "401-023-2137", "4010232137 ", "40102321370"]).map(
        lambda v: {**valid, "nhs_number": v}
    )
    check_posts(
        client,
        url,
        st.one_of(nhs_cases, posted(PatientForm, unbound, valid)),
        name="PatientForm",
        expect_valid=lambda data: PatientForm(data, instance=Patient()).is_valid(),
        rows=lambda: (Patient.objects.count(), history_count(Patient)),
    )


def test_patient_search_never_500(client, radiologist):
    PatientFactory(nhs_number="9434765919", family_name="Smith", given_name="Ann")
    client.force_login(radiologist)
    url = reverse("pathway:patient_list")
    unbound = PatientSearchForm()
    queries = st.one_of(
        st.sampled_from([*OTHER_DIGITS, "943 476 5919", "٩٤٣ ٤٧٦ ٥٩١٩", "Smith Ann", "x" * 101, ", ,", "%", "_"]),
        field_strategy(PatientSearchForm, "q", unbound.fields["q"]),
    )

    @PROPERTY_SETTINGS
    @given(queries)
    def property_holds(q):
        GENERATED["PatientSearchForm (HTTP)"] += 1
        response = client.get(url, as_post({"q": q}))
        assert response.status_code == 200

    property_holds()
