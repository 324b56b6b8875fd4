"""POST /fhir/Bundle: referrals in from a referring system, by bearer token. One patient per NHS
number, one pathway per referral identifier; every bad Bundle refused with its OperationOutcome and
nothing written; an unknown or revoked token gets 401."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.operationoutcome import OperationOutcome

from interop import referrals, tokens
from interop.models import ApiToken, InboundReferral
from pathway.models import Pathway, Patient, Stage, StageTransition
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = "/fhir/Bundle"
NHS = "9434765919"  # a valid NHS number (check digit 9)
SR_SYSTEM = "https://riverside-gp.example/referrals"


def referral(**changes) -> dict:
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS},
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "value": "RX1234567",
            },
        ],
        "name": [{"family": "Ellison", "given": ["Ruth"]}],
        "gender": "female",
        "birthDate": "1941-06-02",
    }
    request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": SR_SYSTEM, "value": "REF-0001"}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "subject": {"reference": "urn:uuid:8f1c2a52-0c1d-4c11-9d6a-6f0f3f1b2a10"},
        "authoredOn": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "requester": {"display": "Dr Amir Shah"},
        "reasonCode": [{"text": "Osteoporotic vertebral fracture, L1, severe pain for 6 weeks"}],
    }
    document = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:8f1c2a52-0c1d-4c11-9d6a-6f0f3f1b2a10", "resource": patient},
            {"fullUrl": "urn:uuid:2b3c4d5e-0000-4000-8000-000000000001", "resource": request},
        ],
    }
    for path, value in changes.items():
        target = document
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return document


DELETE = object()


@pytest.fixture
def token(reference_data):
    _row, value = tokens.issue("Riverside GP system")
    return value


def post(client, body, token_value=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_value}"} if token_value else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/fhir+json", **headers)


def counts():
    return (
        Patient.objects.count(),
        Pathway.objects.count(),
        InboundReferral.objects.count(),
        StageTransition.objects.count(),
    )


def test_a_referral_opens_a_pathway_at_referral_and_answers_201_with_its_location(client, token):
    response = post(client, referral(), token)
    assert response.status_code == 201, response.content
    pathway = Pathway.objects.get()
    assert response["Location"] == f"http://testserver{reverse('pathway:detail', args=[pathway.pk])}"
    assert pathway.current_stage == Stage.REFERRAL and pathway.priority == "urgent"
    assert pathway.aetiology == "osteoporotic"
    assert pathway.referrer_name == "Dr Amir Shah" and pathway.referrer_organisation == "Riverside GP system"
    assert pathway.referral_received_on == timezone.localdate() - datetime.timedelta(days=2)
    patient = pathway.patient
    assert (patient.nhs_number, patient.hospital_number, patient.family_name) == (NHS, "RX1234567", "Ellison")
    # Recorded as the system's own user, which holds only the referral permissions and cannot sign in.
    system = ApiToken.objects.get().user
    assert pathway.recorded_by == system and patient.recorded_by == system
    assert StageTransition.objects.get(pathway=pathway).acting_user == system
    assert not system.has_usable_password()
    assert sorted(system.get_all_permissions()) == ["pathway.add_patient", "pathway.record_referral"]


def test_the_same_referral_twice_makes_one_patient_and_one_pathway(client, token):
    first = post(client, referral(), token)
    second = post(client, referral(), token)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first["Location"] == second["Location"]
    assert counts() == (1, 1, 1, 1)


def test_a_new_referral_for_a_known_patient_matches_them_by_nhs_number(client, token):
    known = PatientFactory(nhs_number=NHS)
    response = post(client, referral(**{"entry.1.resource.identifier.0.value": "REF-0002"}), token)
    assert response.status_code == 201
    assert Patient.objects.get() == known
    assert Pathway.objects.get().patient == known


BAD = [
    # (what is wrong, the body, status, the issues: (code, expression, words in diagnostics))
    ("not JSON", "{this is not json", 400, [("structure", "Bundle", "not JSON")]),
    ("not a Bundle", {"resourceType": "Patient"}, 400, [("structure", "Bundle", "must be a FHIR Bundle")]),
    (
        "wrong resource types",
        referral(**{"entry.1.resource": {"resourceType": "Observation", "status": "final"}}),
        422,
        [
            ("not-supported", "Bundle.entry[1].resource", "Observation is not accepted"),
            ("required", "Bundle.entry.resource.ofType(ServiceRequest)", "exactly one ServiceRequest"),
        ],
    ),
    (
        "invalid NHS number",
        referral(**{"entry.0.resource.identifier.0.value": "9434765918"}),
        422,
        [("value", "Bundle.entry[0].resource.identifier", "check digit")],
    ),
    (
        "missing referral date",
        referral(**{"entry.1.resource.authoredOn": DELETE}),
        422,
        [("required", "Bundle.entry[1].resource.authoredOn", "referral date is missing")],
    ),
    (
        "invalid NHS number and missing referral date together",
        referral(**{"entry.0.resource.identifier.0.value": "12345", "entry.1.resource.authoredOn": DELETE}),
        422,
        [
            ("value", "Bundle.entry[0].resource.identifier", "10 digits"),
            ("required", "Bundle.entry[1].resource.authoredOn", "referral date is missing"),
        ],
    ),
    (
        "referral date in the future",
        referral(**{"entry.1.resource.authoredOn": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()}),
        422,
        [("value", "Bundle.entry[1].resource.authoredOn", "in the future")],
    ),
    (
        "no referral identifier",
        referral(**{"entry.1.resource.identifier": DELETE}),
        422,
        [("required", "Bundle.entry[1].resource.identifier", "needs an identifier")],
    ),
    (
        "subject is not the Patient",
        referral(**{"entry.1.resource.subject": {"reference": "Patient/elsewhere"}}),
        422,
        [("invalid", "Bundle.entry[1].resource.subject", "must refer to the Patient")],
    ),
    (
        "a new patient without a hospital number",
        referral(**{"entry.0.resource.identifier.1": DELETE}),
        422,
        [("required", "Patient.identifier", "hospital number")],
    ),
]


@pytest.mark.parametrize("what, body, status, issues", BAD, ids=[b[0] for b in BAD])
def test_a_bad_bundle_is_refused_with_an_operation_outcome_naming_each_problem(
    client, token, what, body, status, issues
):
    response = post(client, body, token)
    assert response.status_code == status
    assert response["Content-Type"] == "application/fhir+json"
    outcome = json.loads(response.content)
    OperationOutcome.model_validate(outcome)
    found = [(i["code"], i["expression"][0], i["diagnostics"]) for i in outcome["issue"]]
    assert len(found) == len(issues), found
    for (code, expression, words), (got_code, got_expression, diagnostics) in zip(issues, found, strict=True):
        assert (got_code, got_expression) == (code, expression)
        assert words in diagnostics
    assert counts() == (0, 0, 0, 0)


ODD = [
    b"\xff\xfe not utf-8",
    "[" * 100000,
    json.dumps([1, 2]),
    json.dumps({"resourceType": ["Bundle"]}),
    json.dumps({"resourceType": "Bundle", "entry": "x"}),
    json.dumps({"resourceType": "Bundle", "entry": [1, None, {"resource": {"resourceType": {"a": 1}}}]}),
    json.dumps(referral(**{"entry.0.resource.gender": ["female"], "entry.0.resource.name": {"family": 1}})),
    json.dumps(referral(**{"entry.0.resource.identifier": "9434765919", "entry.1.resource.reasonCode": {"x": 1}})),
    json.dumps(referral(**{"entry.1.resource.authoredOn": 20240101, "entry.1.resource.priority": ["urgent"]})),
    json.dumps(referral(**{"entry.0.resource.name.0.family": "x" * 500})),
]


@pytest.mark.parametrize("body", ODD, ids=range(len(ODD)))
def test_odd_bodies_are_refused_never_a_500(client, token, body):
    response = post(client, body, token)
    assert response.status_code in (400, 422)
    OperationOutcome.model_validate(json.loads(response.content))
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_an_unknown_token_gets_401_and_nothing_is_written(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(URL, data=json.dumps(referral()), content_type="application/fhir+json", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(response.content)["issue"][0]["code"] == "login"
    assert counts() == (0, 0, 0, 0)


def test_a_revoked_token_gets_401(client, token):
    tokens.revoke(ApiToken.objects.get())
    assert post(client, referral(), token).status_code == 401
    assert counts() == (0, 0, 0, 0)


def test_the_command_prints_the_token_once_and_stores_only_its_hash(reference_data, capsys):
    call_command("create_api_token", "Hillside ED system", "--referrer-type", "ed")
    printed = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(system_name="Hillside ED system")
    assert len(printed) >= 40 and printed not in {row.token_sha256, row.prefix}
    assert row.token_sha256 == tokens.digest(printed) and row.referrer_type == "ed"
    assert tokens.authenticate(f"Bearer {printed}") == row


def test_the_endpoint_needs_no_csrf_token_but_the_rest_of_the_site_still_does(reference_data, token):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, referral(), token).status_code == 201
    assert strict.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403


def test_a_referral_that_loses_the_race_returns_the_winners_pathway(client, token, monkeypatch):
    """The race, without threads: the first look finds nothing (the other request has not committed),
    the insert meets the unique constraint, the savepoint is undone and the winner's pathway returned."""
    assert post(client, referral(), token).status_code == 201
    real = referrals._existing
    misses = iter([None])
    monkeypatch.setattr(referrals, "_existing", lambda r: next(misses, None) or real(r))
    response = post(client, referral(), token)
    assert response.status_code == 200
    assert counts() == (1, 1, 1, 1)


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between threads")


def _at_once(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_referrals_at_once_make_one_patient_one_pathway_and_no_error():
    _row, value = tokens.issue("Riverside GP system")
    results = _at_once(10, lambda i: post(Client(), referral(), value).status_code)
    assert sorted(results) == [200] * 9 + [201]
    assert (Patient.objects.count(), Pathway.objects.count(), InboundReferral.objects.count()) == (1, 1, 1)


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_referrals_of_one_new_patient_at_once_register_them_once():
    _row, value = tokens.issue("Riverside GP system")
    bodies = [referral(**{"entry.1.resource.identifier.0.value": f"REF-{i}"}) for i in range(10)]
    results = _at_once(10, lambda i: post(Client(), bodies[i], value).status_code)
    assert results == [201] * 10
    assert (Patient.objects.count(), Pathway.objects.count()) == (1, 10)
