import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.models import Patient, PatientAccess
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patients():
    return [
        PatientFactory(nhs_number="9434765919", hospital_number="H0000001", family_name="Okafor", given_name="Ada"),
        PatientFactory(nhs_number="4010232137", hospital_number="H0000002", family_name="Smith", given_name="Joan"),
        PatientFactory(nhs_number="9990000018", hospital_number="H0000003", family_name="Smithson", given_name="Jo"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("9434765919", {"Okafor"}),
        ("943 476 5919", {"Okafor"}),
        ("H0000002", {"Smith"}),
        ("h0000002", {"Smith"}),
        ("smith", {"Smith", "Smithson"}),
        ("Okaf", {"Okafor"}),
        ("joan smith", {"Smith"}),
        ("Jo", {"Smith", "Smithson"}),
        ("nobody", set()),
    ],
)
def test_search(patients, query, expected):
    assert {p.family_name for p in Patient.objects.search(query)} == expected


def test_search_page_finds_by_spaced_nhs_number(client_for, radiologist, patients):
    response = client_for(radiologist).get(reverse("pathway:patient_list"), {"q": "401 023 2137"})
    assert response.status_code == 200
    assert "SMITH, Joan" in response.content.decode()
    assert "OKAFOR" not in response.content.decode()


def _patient_data(**overrides):
    data = {
        "nhs_number": "943 476 5919",
        "hospital_number": "h1234567",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1944-02-01",
        "sex": "female",
        "phone": "",
        "gp_practice": "",
    }
    data.update(overrides)
    return data


def test_register_patient_stores_clean_numbers(client_for, radiologist):
    response = client_for(radiologist).post(reverse("pathway:patient_create"), _patient_data())
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert patient.nhs_number == "9434765919"
    assert patient.nhs_number_display == "943 476 5919"
    assert patient.hospital_number == "H1234567"
    assert patient.history.first().history_user == radiologist


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "943 476 5918", "not a valid NHS number"),
        ("nhs_number", "12345", "An NHS number has 10 digits"),
        ("nhs_number", "abcdefghij", "An NHS number has 10 digits"),
        ("date_of_birth", (timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "cannot be in the future"),
        ("date_of_birth", "31/02/1950", "Enter a valid date"),
        ("family_name", "", "This field is required"),
        ("sex", "unknown", "Select a valid choice"),
    ],
)
def test_register_patient_bad_input_is_a_field_error(client_for, radiologist, field, value, message):
    response = client_for(radiologist).post(reverse("pathway:patient_create"), _patient_data(**{field: value}))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Patient.objects.exists()


def test_duplicate_nhs_number_is_a_field_error(client_for, radiologist, patients):
    response = client_for(radiologist).post(reverse("pathway:patient_create"), _patient_data())
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["nhs_number"])


def test_stale_patient_edit_is_refused(client_for, nurse, radiologist):
    patient = PatientFactory(phone="1")
    url = reverse("pathway:patient_edit", args=[patient.pk])
    form_version = patient.version
    data = _patient_data(nhs_number=patient.nhs_number, hospital_number=patient.hospital_number)
    first = client_for(nurse).post(url, {**data, "phone": "first", "expected_version": form_version})
    assert first.status_code == 302
    second = client_for(radiologist).post(
        url, {**data, "phone": "second", "expected_version": form_version}, follow=True
    )
    patient.refresh_from_db()
    assert patient.phone == "first"
    assert "Someone else saved this record" in second.content.decode()


def test_opening_a_patient_is_logged(client_for, manager):
    patient = PatientFactory()
    client_for(manager).get(reverse("pathway:patient_detail", args=[patient.pk]))
    access = PatientAccess.objects.get()
    assert (access.user, access.patient) == (manager, patient)


def test_manager_cannot_register_or_edit(client_for, manager):
    patient = PatientFactory()
    client = client_for(manager)
    assert client.get(reverse("pathway:patient_create")).status_code == 403
    assert client.post(reverse("pathway:patient_edit", args=[patient.pk]), _patient_data()).status_code == 403


def test_patients_are_never_hard_deleted():
    from django.core.exceptions import PermissionDenied

    patient = PatientFactory()
    with pytest.raises(PermissionDenied):
        patient.delete()
    with pytest.raises(PermissionDenied):
        Patient.objects.all().delete()
    assert Patient.objects.count() == 1
