"""GET /pathways/<id>/fhir/: the pathway as one FHIR R4 Bundle, valid (fhir.resources, R4B models)
at every stage, every reference resolving, access-logged, for the clinical roles and the manager."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interop import terminology as t
from interop import tokens
from interop.fhir.collector import resource_id
from interop.fhir.export import pathway_bundle
from pathway.models import PatientAccess
from tests.conftest import make_named_user
from tests.factories import ComplicationFactory, ObservationSetFactory
from tests.interop.helpers import STATES, build, check_bundle, of_type

pytestmark = pytest.mark.django_db


@dataclass
class Built:
    pathways: dict
    media: object
    nurse: object
    consultant: object


@pytest.fixture(scope="module")
def built(module_db):
    """A pathway at each state, built once for the module (the tests only read them)."""
    nurse, consultant = make_named_user("nurse"), make_named_user("consultant")
    pathways = {state: build(state, nurse=nurse, consultant=consultant) for state in STATES}
    return Built(pathways, django_settings.MEDIA_ROOT, nurse, consultant)


@pytest.fixture
def at(built, settings):
    """The pathway at a state, with the stored files of the module readable."""
    settings.MEDIA_ROOT = built.media
    return built.pathways.__getitem__


# Resource types a pathway's Bundle holds at each state (beyond Patient, ServiceRequest, EpisodeOfCare).
EXPECTED = {
    "referral": set(),
    "suitability": set(),
    "mri": {"Observation", "QuestionnaireResponse"},  # the baseline ODI at suitability
    "pre_assessment": {"Observation", "QuestionnaireResponse"},
    "consent": {"Observation", "QuestionnaireResponse"},
    "procedure": {"Observation", "QuestionnaireResponse", "Consent", "DocumentReference", "Practitioner"},
    "recovery": {"Observation", "QuestionnaireResponse", "Consent", "DocumentReference", "Practitioner", "Procedure"},
    "follow_up": {
        "Observation",
        "QuestionnaireResponse",
        "Consent",
        "DocumentReference",
        "Practitioner",
        "Procedure",
        "AdverseEvent",
    },
    "completed": {
        "Observation",
        "Consent",
        "DocumentReference",
        "Practitioner",
        "Procedure",
        "AdverseEvent",
        "QuestionnaireResponse",
    },
    "closed_not_suitable": {"Observation", "QuestionnaireResponse"},
    "consent_withdrawn": {"Observation", "QuestionnaireResponse", "Consent", "DocumentReference", "Practitioner"},
}


@pytest.mark.parametrize("state", STATES)
def test_the_bundle_validates_at_every_stage_and_every_reference_resolves(at, state):
    pathway = at(state)
    document = pathway_bundle(pathway.pk)
    check_bundle(document)
    kinds = {e["resource"]["resourceType"] for e in document["entry"]}
    assert kinds >= {"Patient", "ServiceRequest", "EpisodeOfCare"} | EXPECTED[state]
    patient = of_type(document, "Patient")[0]
    assert {"system": t.NHS_NUMBER_SYSTEM, "value": pathway.patient.nhs_number} in patient["identifier"]
    for entry in document["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in t.PROFILE:
            assert t.PROFILE[resource["resourceType"]] in resource["meta"]["profile"]


def test_the_episode_carries_its_status_history(at):
    pathway = at("closed_not_suitable")
    episode = of_type(pathway_bundle(pathway.pk), "EpisodeOfCare")[0]
    assert episode["status"] == "cancelled"
    assert [h["status"] for h in episode["statusHistory"]] == ["waitlist", "cancelled"]
    assert episode["statusHistory"][0]["period"]["end"] == episode["statusHistory"][1]["period"]["start"]


def test_the_consent_carries_the_stored_pdf_and_its_sha256(at):
    pathway = at("procedure")
    document = pathway_bundle(pathway.pk)
    consent = of_type(document, "Consent")[0]
    assert consent["status"] == "active"
    assert [c["text"] for c in consent["provision"]["code"]] == [
        "Percutaneous vertebroplasty T12",
        "Percutaneous vertebroplasty L1",
    ]
    stored = pathway.consents.get().documents.get()
    source = consent["sourceReference"]["reference"]
    reference = next(e["resource"] for e in document["entry"] if e["fullUrl"] == source)
    with stored.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).digest()
    assert digest.hex() == stored.file_sha256
    expected = "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert reference["masterIdentifier"] == {"system": t.URI_SYSTEM, "value": expected}
    assert reference["content"][0]["attachment"]["url"].endswith(
        reverse("consent:document", args=[pathway.pk, stored.consent_id, stored.pk])
    )
    # The signer (the patient) and the clinician.
    performers = [p["reference"] for p in consent["performer"]]
    assert performers[0] == f"urn:uuid:{of_type(document, 'Patient')[0]['id']}"
    assert of_type(document, "Practitioner")


def test_a_withdrawn_consent_is_inactive(at):
    pathway = at("consent_withdrawn")
    consent = of_type(pathway_bundle(pathway.pk), "Consent")[0]
    assert consent["status"] == "inactive"
    assert "end" in consent["provision"]["period"]


def test_the_procedure_has_one_body_site_per_level_and_the_complication_points_at_it(at):
    pathway = at("follow_up")
    document = pathway_bundle(pathway.pk)
    procedure = of_type(document, "Procedure")[0]
    assert [s["text"] for s in procedure["bodySite"]] == ["T12 vertebra", "L1 vertebra"]
    event = of_type(document, "AdverseEvent")[0]
    assert event["suspectEntity"] == [{"instance": {"reference": f"urn:uuid:{procedure['id']}"}}]
    assert event["seriousness"]["coding"][0]["code"] == "serious"  # CIRSE 3
    assert event["outcome"]["coding"][0]["code"] == "resolvedWithSequelae"


def test_each_observation_set_gives_every_vital_sign_and_the_news2_total(at):
    pathway = at("follow_up")
    document = pathway_bundle(pathway.pk)
    codes = [o["code"].get("coding", [{}])[0].get("code") for o in of_type(document, "Observation")]
    for code in ("9279-1", "59408-5", "8867-4", "85354-9", "8310-5", "1104441000000107"):
        assert codes.count(code) == 2, code  # two observation sets
    assert codes.count("1104051000000101") == 2  # NEWS2 totals
    assert codes.count("3151-8") == 1  # oxygen flow, only for the set on oxygen
    coded = [o for o in of_type(document, "Observation") if "coding" in o["code"]]
    news2 = [o for o in coded if o["code"]["coding"][0]["code"] == "1104051000000101"]
    sets = list(pathway.recovery.observations.order_by("taken_at", "id"))
    assert [o["valueInteger"] for o in news2] == [s.news2.total for s in sets]


def test_the_discharge_documents_are_in_the_export(at):
    pathway = at("follow_up")
    document = pathway_bundle(pathway.pk)
    types = {d["type"]["coding"][0]["code"]: d for d in of_type(document, "DocumentReference")}
    assert set(types) == {t.CONSENT_DOCUMENT[1], t.DISCHARGE_INSTRUCTIONS[1], t.DISCHARGE_SUMMARY[1]}
    letter = pathway.gp_letters.get()
    value = types[t.DISCHARGE_SUMMARY[1]]["masterIdentifier"]["value"]
    assert base64.urlsafe_b64decode(value.split(";")[1] + "=").hex() == letter.sha256


def test_the_follow_up_sends_the_odi_as_a_questionnaire_response_and_its_score(at):
    pathway = at("completed")
    document = pathway_bundle(pathway.pk)
    odi_id = resource_id("follow-up", pathway.follow_up.pk, "odi")
    response = [r for r in of_type(document, "QuestionnaireResponse") if r["id"] == odi_id][0]
    assert [i["linkId"] for i in response["item"]] == [f"odi-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9, 10)]
    score = [o for o in of_type(document, "Observation") if o["code"].get("text") == t.ODI_TEXT][0]
    assert score["valueQuantity"]["value"] == float(pathway.follow_up.odi.percent)
    assert score["derivedFrom"] == [{"reference": f"urn:uuid:{response['id']}"}]


def _texts(document) -> dict:
    return {o["code"].get("text"): o for o in of_type(document, "Observation")}


def test_the_baseline_at_suitability_sends_rest_and_activity_pain_and_the_odi(at):
    pathway = at("completed")
    suitability = pathway.suitability
    document = pathway_bundle(pathway.pk)
    texts = _texts(document)
    assert texts["Pain at rest (baseline)"]["valueInteger"] == suitability.baseline_pain_rest
    assert texts["Pain on activity (baseline)"]["valueInteger"] == suitability.baseline_pain_activity
    assert texts["Pain at assessment (baseline)"]["valueInteger"] == suitability.pain_score
    baseline = texts[f"{t.ODI_TEXT} (baseline)"]
    assert baseline["valueQuantity"]["value"] == float(suitability.odi.percent)
    assert baseline["effectiveDateTime"] == suitability.assessed_on.isoformat()
    # the follow-up's pain and ODI are separate observations, dated at the review
    assert texts["Pain at rest"]["valueInteger"] == pathway.follow_up.pain_rest
    assert len(of_type(document, "QuestionnaireResponse")) == 2


def test_an_rmdq_baseline_and_review_are_sent_as_their_counts(reference_data, nurse, consultant):
    pathway = build("completed", nurse=nurse, consultant=consultant)
    type(pathway.suitability).objects.filter(pk=pathway.suitability.pk).update(
        disability_instrument="rmdq", rmdq_score=17
    )
    type(pathway.follow_up).objects.filter(pk=pathway.follow_up.pk).update(disability_instrument="rmdq", rmdq_score=9)
    document = pathway_bundle(pathway.pk)
    check_bundle(document)
    texts = _texts(document)
    assert texts[f"{t.RMDQ_TEXT} (baseline)"]["valueQuantity"]["value"] == 17
    assert texts[t.RMDQ_TEXT]["valueQuantity"]["value"] == 9
    assert of_type(document, "QuestionnaireResponse") == []


@pytest.mark.parametrize("role", ["consultant", "radiologist", "nurse", "manager"])
def test_the_clinical_roles_and_the_manager_export_and_each_export_is_logged(at, client_for, make_user, role):
    pathway = at("recovery")
    user = make_user(role.capitalize())
    response = client_for(user).get(reverse("interop:pathway_fhir", args=[pathway.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    check_bundle(json.loads(response.content))
    rows = PatientAccess.objects.filter(user=user, pathway=pathway)
    assert [(r.what, r.patient_id) for r in rows] == [("FHIR export", pathway.patient_id)]


def test_a_referring_system_cannot_read_a_pathway(at, client_for):
    pathway = at("referral")
    user = tokens.system_user("Riverside GP system")  # holds only the referral permissions
    response = client_for(user).get(reverse("interop:pathway_fhir", args=[pathway.pk]))
    assert response.status_code == 403
    assert not PatientAccess.objects.filter(user=user).exists()


def test_the_bundle_costs_the_same_queries_whatever_the_pathway_holds(at, built):
    larger = at("completed")
    smaller = build("completed", nurse=built.nurse, consultant=built.consultant)
    for _ in range(4):
        ObservationSetFactory(recovery=larger.recovery)
        ComplicationFactory(pathway=larger)
    with CaptureQueriesContext(connection) as few:
        pathway_bundle(smaller.pk)
    with CaptureQueriesContext(connection) as many:
        pathway_bundle(larger.pk)
    assert len(many) == len(few)
