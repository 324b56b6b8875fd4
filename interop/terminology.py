"""Every code system, code and profile the FHIR export and the referral intake use, each with its
source. One module, so a terminology review reads one page.

Codes are given only where the source below was checked. Where no code was confirmed for a concept
(the procedure itself, a vertebral level, the Oswestry Disability Index total), the concept travels as
CodeableConcept.text, which FHIR R4 allows ("a human language representation of the concept"), rather
than with a code nobody has checked: a wrong SNOMED CT code is worse than none. Adding a code later
is a change here only.
"""

from __future__ import annotations

# --- code systems and identifier systems ------------------------------------------------------------
SNOMED = "http://snomed.info/sct"  # FHIR R4 terminologies-systems
LOINC = "http://loinc.org"  # FHIR R4 terminologies-systems
UCUM = "http://unitsofmeasure.org"  # FHIR R4 terminologies-systems
# NHS number identifier system (UK Core Patient, identifier:nhsNumber; the issue names it).
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
# GMC reference number (UK Core Practitioner, identifier:gmcNumber).
GMC_NUMBER_SYSTEM = "https://fhir.hl7.org.uk/Id/gmc-number"
# The hospital number is told apart from other identifiers by its type, v2 table 0203 "MR" (medical
# record number; FHIR R4 valueset-identifier-type), whatever the trust's own system URI is.
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
IDENTIFIER_TYPE_MR = "MR"
# A document's SHA-256 as a URI (RFC 6920 "Naming Things with Hashes", ni:///sha-256;<base64url>),
# carried as an identifier of system urn:ietf:rfc:3986 (FHIR R4 datatypes: "the identifier is a URI").
# Attachment.hash is defined as SHA-1 in R4, so the SHA-256 the project stores goes here.
URI_SYSTEM = "urn:ietf:rfc:3986"

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"  # R4 observation-category
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"  # R4 consent-scope: "treatment"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"  # R4: serious / non-serious
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"  # R4 adverse-event-outcome
QUESTIONNAIRE_ODI = "urn:vertebroplasty:questionnaire:oswestry-disability-index"

# --- UK Core profiles (UK Core R4 STU3, fhir.hl7.org.uk), where UK Core has one for the resource ----
# AdverseEvent has no UK Core profile: it is sent as base R4. The Bundle and the vital-sign
# Observations also carry the base R4 vital-signs profile, which UK Core's Observation builds on.
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
PROFILE = {
    "Patient": UK_CORE + "UKCore-Patient",
    "Practitioner": UK_CORE + "UKCore-Practitioner",
    "ServiceRequest": UK_CORE + "UKCore-ServiceRequest",
    "EpisodeOfCare": UK_CORE + "UKCore-EpisodeOfCare",
    "Consent": UK_CORE + "UKCore-Consent",
    "DocumentReference": UK_CORE + "UKCore-DocumentReference",
    "Procedure": UK_CORE + "UKCore-Procedure",
    "Observation": UK_CORE + "UKCore-Observation",
    "QuestionnaireResponse": UK_CORE + "UKCore-QuestionnaireResponse",
    "OperationOutcome": UK_CORE + "UKCore-OperationOutcome",
}
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"  # FHIR R4 observation-vitalsigns

# --- codes -----------------------------------------------------------------------------------------
# (system, code, display)
# SNOMED CT 3457005 |Patient referral (procedure)|: the ServiceRequest's category.
REFERRAL = (SNOMED, "3457005", "Patient referral")
# LOINC codes of the FHIR R4 vital-signs profile (hl7.org/fhir/R4/observation-vitalsigns.html), the
# ones UK Core's vital-sign examples bind.
RESPIRATORY_RATE = (LOINC, "9279-1", "Respiratory rate")
OXYGEN_SATURATION = (LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
HEART_RATE = (LOINC, "8867-4", "Heart rate")
BODY_TEMPERATURE = (LOINC, "8310-5", "Body temperature")
BLOOD_PRESSURE = (LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = (LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC = (LOINC, "8462-4", "Diastolic blood pressure")
# LOINC 3151-8 |Inhaled oxygen flow rate| (R4 vital-signs, supplemental oxygen).
OXYGEN_FLOW = (LOINC, "3151-8", "Inhaled oxygen flow rate")
# SNOMED CT UK edition 1104051000000101 |Royal College of Physicians NEWS2 (National Early Warning
# Score 2) total score| (the code NHS England's NEWS2 FHIR guidance uses).
NEWS2_TOTAL = (SNOMED, "1104051000000101", "Royal College of Physicians NEWS2 total score")
# SNOMED CT UK edition 1104441000000107 |ACVPU (Alert Confusion Voice Pain Unresponsive) scale score|.
ACVPU = (SNOMED, "1104441000000107", "ACVPU (Alert Confusion Voice Pain Unresponsive) scale score")
# LOINC 72514-3 |Pain severity - 0-10 verbal numeric rating [Score] - Reported| (the NRS 0-10 this
# service records, domain.md 2.4 and 8.2).
PAIN_NRS = (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
# SNOMED CT 373942005 |Discharge summary (record artifact)|: the GP letter's type.
DISCHARGE_SUMMARY = (SNOMED, "373942005", "Discharge summary")
# LOINC 8653-8 |Hospital Discharge instructions|: the patient's discharge advice sheet.
DISCHARGE_INSTRUCTIONS = (LOINC, "8653-8", "Hospital Discharge instructions")
# LOINC 59284-0 |Consent Document| (FHIR R4 consent-category value set): the consent's category and
# the stored consent PDF's type.
CONSENT_DOCUMENT = (LOINC, "59284-0", "Consent Document")

# Text-only concepts (no code confirmed, see the module's docstring).
PROCEDURE_TEXT = "Percutaneous vertebroplasty"
ODI_TEXT = "Oswestry Disability Index score"
# No code confirmed for the Roland-Morris Disability Questionnaire total either: sent as text, the
# count of the 24 statements the patient ticks (domain.md 8.2 [R76]).
RMDQ_TEXT = "Roland-Morris Disability Questionnaire score"

# ACVPU letters as this service records them (domain.md 7.2, NEWS2 chart) -> their names.
ACVPU_NAMES = {"A": "Alert", "C": "New confusion", "V": "Voice", "P": "Pain", "U": "Unresponsive"}


def coding(code: tuple[str, str, str]) -> dict:
    system, value, display = code
    return {"system": system, "code": value, "display": display}


def concept(code: tuple[str, str, str], text: str | None = None) -> dict:
    out = {"coding": [coding(code)]}
    if text:
        out["text"] = text
    return out


def text_concept(text: str) -> dict:
    return {"text": text}


def category(code: str, display: str) -> list[dict]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def meta(resource_type: str, *extra: str) -> dict:
    profiles = [PROFILE[resource_type]] if resource_type in PROFILE else []
    return {"profile": [*profiles, *extra]} if profiles or extra else {}
