"""A pathway as FHIR R4 resources: the patient, the referral, the episode, the consents and their
PDFs, the procedure, the complications and the documents of the discharge. Observations (recovery
sets, pain, ODI) are in interop/fhir/observations.py. Codes and profiles: interop/terminology.py.

Every function reads what interop/fhir/export.py prefetched: none makes a query of its own.
"""

from __future__ import annotations

import base64
import binascii

from django.urls import reverse

from consent.models import sort_levels
from interop import terminology as t
from interop.fhir.collector import Collector, day, instant, resource_id
from pathway.core.choices import ExitState, Stage
from pathway.core.models import PathwayStatus, Priority

# EpisodeOfCare.status of each stage (R4 episode-of-care-status): before the procedure the patient is
# waiting for it ("waitlist"); from the procedure to the follow-up the episode is under way ("active").
WAITING_STAGES = {Stage.REFERRAL, Stage.SUITABILITY, Stage.MRI, Stage.PRE_ASSESSMENT, Stage.CONSENT}

SEX_TO_GENDER = {"female": "female", "male": "male", "other": "other"}  # R4 administrative-gender

# Complication outcome -> R4 adverse-event-outcome.
AE_OUTCOME = {
    "resolved": ("resolved", "Resolved"),
    "ongoing": ("ongoing", "Ongoing"),
    "lasting": ("resolvedWithSequelae", "Resolved with Sequelae"),
    "died": ("fatal", "Fatal"),
}

# The consent's policy: the Department of Health's reference guide to consent for examination or
# treatment, on which NHS consent Forms 1 and 4 are built (domain.md 5.2 [R36]). R4 Consent requires
# a policy or a policy rule (invariant ppc-1).
CONSENT_POLICY_URI = (
    "https://www.gov.uk/government/publications/reference-guide-to-consent-for-examination-or-treatment-second-edition"
)


def ni_sha256(hex_digest: str) -> dict:
    """RFC 6920 name of a SHA-256, as an identifier (see interop/terminology.py URI_SYSTEM)."""
    raw = binascii.unhexlify(hex_digest)
    return {"system": t.URI_SYSTEM, "value": "ni:///sha-256;" + base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def patient(out: Collector, patient) -> dict:
    rid = resource_id("patient", patient.pk)
    return out.add(
        {
            "resourceType": "Patient",
            "id": rid,
            "meta": t.meta("Patient"),
            "identifier": [
                {"system": t.NHS_NUMBER_SYSTEM, "value": patient.nhs_number},
                {
                    "type": {"coding": [{"system": t.IDENTIFIER_TYPE_SYSTEM, "code": t.IDENTIFIER_TYPE_MR}]},
                    "value": patient.hospital_number,
                },
            ],
            "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
            "gender": SEX_TO_GENDER.get(patient.sex, "unknown"),
            "birthDate": day(patient.date_of_birth),
            "telecom": [{"system": "phone", "value": patient.phone}] if patient.phone else [],
            # The practice by name only: the service does not hold its ODS code.
            "generalPractitioner": [{"display": patient.gp_practice}] if patient.gp_practice else [],
        }
    )


def practitioner(out: Collector, user) -> dict | None:
    """A reference to the user as a Practitioner, adding the Practitioner once."""
    if user is None:
        return None
    rid = resource_id("user", user.pk)
    if not out.has(rid):
        name = {"text": user.display_name}
        if user.last_name:
            name["family"] = user.last_name
        if user.first_name:
            name["given"] = [user.first_name]
        gmc = user.registration_number.strip()
        out.add(
            {
                "resourceType": "Practitioner",
                "id": rid,
                "meta": t.meta("Practitioner"),
                "identifier": [{"system": t.GMC_NUMBER_SYSTEM, "value": gmc}] if gmc.isdigit() else [],
                "name": [name],
            }
        )
    return out.ref("Practitioner", rid, user.display_name)


def service_request(out: Collector, pathway, subject: dict) -> dict:
    rid = resource_id("referral", pathway.pk)
    inbound = getattr(pathway, "inbound_referral", None)
    if not pathway.is_open and pathway.stage == Stage.REFERRAL:
        status = "revoked"  # closed before triage
    elif pathway.stage == Stage.REFERRAL:
        status = "active"
    else:
        status = "completed"  # the referral was accepted and the pathway moved on
    requester = pathway.referrer_name or pathway.referrer_organisation
    return out.add(
        {
            "resourceType": "ServiceRequest",
            "id": rid,
            "meta": t.meta("ServiceRequest"),
            "identifier": (
                [{"system": inbound.identifier_system, "value": inbound.identifier_value}] if inbound else []
            ),
            "status": status,
            "intent": "order",
            "category": [t.concept(t.REFERRAL)],
            "priority": "urgent" if pathway.priority == Priority.URGENT else "routine",
            "code": t.text_concept(t.PROCEDURE_TEXT),
            "subject": subject,
            "authoredOn": day(pathway.referral_received_on),
            "requester": {"display": f"{requester} ({pathway.get_referrer_type_display()})"},
            "reasonCode": [t.text_concept(f"{pathway.get_aetiology_display()} vertebral fracture")],
            "performer": [r for r in [practitioner(out, pathway.responsible_consultant)] if r],
        }
    )


def _status_after(transition) -> str:
    if transition.kind == "close":
        return "finished" if transition.exit_state == ExitState.COMPLETED else "cancelled"
    return "waitlist" if Stage(transition.to_stage) in WAITING_STAGES else "active"


def episode_of_care(out: Collector, pathway, subject: dict, referral: dict) -> dict:
    """The pathway, with its status history from the transition log (merged where a move kept the status)."""
    history: list[dict] = []
    for transition in pathway.fhir_transitions:
        status = _status_after(transition)
        if history and history[-1]["status"] == status:
            continue
        if history:
            history[-1]["period"]["end"] = instant(transition.at)
        history.append({"status": status, "period": {"start": instant(transition.at)}})
    if pathway.status == PathwayStatus.CLOSED:
        status = "finished" if pathway.exit_state == ExitState.COMPLETED else "cancelled"
    else:
        status = "waitlist" if pathway.stage in WAITING_STAGES else "active"
    start = history[0]["period"]["start"] if history else instant(pathway.created_at)
    period = {"start": start}
    if pathway.closed_at:
        period["end"] = instant(pathway.closed_at)
    return out.add(
        {
            "resourceType": "EpisodeOfCare",
            "id": resource_id("pathway", pathway.pk),
            "meta": t.meta("EpisodeOfCare"),
            "status": status,
            "statusHistory": history,
            "type": [t.text_concept(f"Vertebroplasty pathway: {pathway.get_current_stage_display()}")],
            "patient": subject,
            "period": period,
            "referralRequest": [out.ref("ServiceRequest", referral["id"])],
            "careManager": practitioner(out, pathway.responsible_consultant),
        }
    )


def document_reference(
    out: Collector, *, rid: str, sha256: str, code, subject: dict, at, author, title: str, url: str, related=None
) -> dict:
    return out.add(
        {
            "resourceType": "DocumentReference",
            "id": rid,
            "meta": t.meta("DocumentReference"),
            "masterIdentifier": ni_sha256(sha256),
            "status": "current",
            "type": t.concept(code),
            "subject": subject,
            "date": instant(at),
            "author": [a for a in [practitioner(out, author)] if a],
            "description": title,
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "url": out.url(url),
                        "title": title,
                        "creation": instant(at),
                    }
                }
            ],
            "context": {"related": related} if related else {},
        }
    )


def _consent_status(consent) -> str:
    # R4 consent-state-codes: a signed consent in force is "active"; withdrawn or replaced by a newer
    # one, "inactive"; not yet signed, "draft".
    if consent.superseded_by_id or consent.withdrawal_or_none is not None:
        return "inactive"
    return "active" if consent.signed_at else "draft"


def consent(out: Collector, pathway, record, subject: dict) -> dict:
    rid = resource_id("consent", record.pk)
    documents = record.fhir_documents  # in event order (interop.fhir.export)
    source = None
    if documents:
        latest = documents[-1]
        doc = document_reference(
            out,
            rid=resource_id("consent-document", latest.pk),
            sha256=latest.file_sha256,
            code=t.CONSENT_DOCUMENT,
            subject=subject,
            at=latest.rendered_at,
            author=latest.rendered_by,
            title=f"Consent form ({latest.get_event_display().lower()})",
            url=reverse("consent:document", args=[pathway.pk, record.pk, latest.pk]),
            related=[out.ref("Consent", rid)],
        )
        source = out.ref("DocumentReference", doc["id"])
    withdrawal = record.withdrawal_or_none
    levels = sort_levels(record.levels)
    provision = {
        "type": "permit",
        "period": {"start": instant(record.signed_at), "end": instant(withdrawal.withdrawn_at) if withdrawal else None},
        "code": [t.text_concept(f"{record.procedure_name} {level}") for level in levels]
        or [t.text_concept(record.procedure_name)],
    }
    provision["period"] = {k: v for k, v in provision["period"].items() if v}
    performers = []
    if record.signed_at:
        performers = [subject, practitioner(out, record.clinician)]
    return out.add(
        {
            "resourceType": "Consent",
            "id": rid,
            "meta": t.meta("Consent"),
            "status": _consent_status(record),
            "scope": {"coding": [{"system": t.CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}]},
            "category": [t.concept(t.CONSENT_DOCUMENT, record.get_form_type_display())],
            "patient": subject,
            "dateTime": instant(record.signed_at or record.created_at),
            "performer": [p for p in performers if p],
            "policy": [{"uri": CONSENT_POLICY_URI}],
            "sourceReference": source,
            "provision": provision,
        }
    )


def procedure(out: Collector, record, subject: dict, referral: dict) -> dict:
    if record.ended_at:
        status = "completed"
    elif record.started_at:
        status = "in-progress"
    else:
        status = "preparation"
    period = {"start": instant(record.started_at), "end": instant(record.ended_at)}
    levels = record.fhir_levels  # in the order recorded (interop.fhir.export)
    return out.add(
        {
            "resourceType": "Procedure",
            "id": resource_id("procedure", record.pk),
            "meta": t.meta("Procedure"),
            "basedOn": [out.ref("ServiceRequest", referral["id"])],
            "status": status,
            "code": t.text_concept(t.PROCEDURE_TEXT),
            "subject": subject,
            "performedPeriod": {k: v for k, v in period.items() if v},
            "performer": [{"actor": a} for a in [practitioner(out, record.operator)] if a],
            # One body site per treated level (text: see interop/terminology.py).
            "bodySite": [t.text_concept(f"{level.level} vertebra") for level in levels],
        }
    )


def adverse_event(out: Collector, complication, subject: dict, procedure_ref: dict | None) -> dict:
    outcome_code, outcome_display = AE_OUTCOME.get(complication.outcome, ("unknown", "Unknown"))
    serious = complication.is_major  # CIRSE 3+ / SIR C+ (domain.md 6.4)
    name = complication.other_type
    if complication.risk_id:
        version = complication.risk.current_version
        name = version.name if version else complication.risk.code
    return out.add(
        {
            "resourceType": "AdverseEvent",
            "id": resource_id("complication", complication.pk),
            # No UK Core profile for AdverseEvent: base R4.
            "actuality": "actual",
            "event": t.text_concept(name),
            "subject": subject,
            "date": instant(complication.onset_at),
            "recordedDate": instant(complication.created_at),
            "seriousness": {
                "coding": [
                    {
                        "system": t.AE_SERIOUSNESS,
                        "code": "serious" if serious else "non-serious",
                        "display": "Serious" if serious else "Non-serious",
                    }
                ],
                "text": f"{complication.get_grade_system_display()} grade {complication.grade}",
            },
            "outcome": {"coding": [{"system": t.AE_OUTCOME, "code": outcome_code, "display": outcome_display}]},
            "suspectEntity": [{"instance": procedure_ref}] if procedure_ref else [],
        }
    )
