"""Referrals in: a FHIR Bundle holding one Patient and one ServiceRequest, as a referring system
sends it (POST /fhir/Bundle). Read into plain values first, every problem collected (each becomes an
issue of the OperationOutcome); then written in one transaction, or not at all.

The patient is matched by NHS number, never registered twice; the ServiceRequest's identifier is
stored under a unique constraint (interop.models.InboundReferral), so the same referral sent again,
even twice at the same moment, returns the pathway the first one opened.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from interop import terminology as t
from interop.models import ApiToken, InboundReferral
from pathway.core.models import Aetiology, Pathway, Patient, Priority, Sex
from pathway.core.services import DuplicateRecord, register_patient
from pathway.referral import services as referral_services
from pathway.validators import validate_nhs_number


@dataclass(frozen=True)
class Problem:
    """One issue of an OperationOutcome (R4 issue-type codes)."""

    code: str  # structure | required | value | invalid | not-supported
    expression: str
    diagnostics: str


class Refused(Exception):
    def __init__(self, problems: list[Problem], status: int = 422):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.status = status


@dataclass
class Referral:
    nhs_number: str = ""
    hospital_number: str = ""
    family_name: str = ""
    given_name: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    phone: str = ""
    identifier_system: str = ""
    identifier_value: str = ""
    received_on: datetime.date | None = None
    priority: str = Priority.ROUTINE
    referrer_name: str = ""
    aetiology: str = Aetiology.OTHER
    problems: list[Problem] = field(default_factory=list)

    def problem(self, code: str, expression: str, diagnostics: str) -> None:
        self.problems.append(Problem(code, expression, diagnostics))


FHIR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T|$)")

# R4 administrative-gender -> the patient record's sex.
GENDER_TO_SEX = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER, "unknown": Sex.OTHER}


def _date(value, referral: Referral, expression: str, what: str) -> datetime.date | None:
    """A FHIR date or dateTime: its calendar day (the referral date starts the 18-week clock)."""
    if not value:
        referral.problem("required", expression, f"The {what} is missing.")
        return None
    try:
        # FHIR date / dateTime: YYYY-MM-DD, optionally followed by a time (not Python's other forms).
        if not isinstance(value, str) or not FHIR_DATE.match(value):
            raise ValueError(value)
        parsed = datetime.date.fromisoformat(value[:10])
    except ValueError:
        referral.problem("value", expression, f"The {what} is not a date (YYYY-MM-DD).")
        return None
    if parsed > timezone.localdate():
        referral.problem("value", expression, f"The {what} is in the future.")
        return None
    return parsed


def _identifier(resource: dict, *, system: str | None = None, type_code: str | None = None) -> str:
    for identifier in resource.get("identifier") or []:
        if not isinstance(identifier, dict):
            continue
        codes = {c.get("code") for c in (identifier.get("type") or {}).get("coding") or [] if isinstance(c, dict)}
        if (system and identifier.get("system") == system) or (type_code and type_code in codes):
            return str(identifier.get("value") or "").strip()
    return ""


def parse(document) -> Referral:
    """The referral in a decoded JSON body; refuses (Refused) with every problem found."""
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise Refused([Problem("structure", "Bundle", "The body must be a FHIR Bundle (resourceType 'Bundle').")], 400)
    entries = document.get("entry")
    if not isinstance(entries, list) or not entries:
        raise Refused([Problem("required", "Bundle.entry", "The Bundle has no entries.")])
    referral = Referral()
    found: dict[str, list[tuple[int, dict, str]]] = {"Patient": [], "ServiceRequest": []}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        kind = kind if isinstance(kind, str) else None
        if kind in found:
            found[kind].append((index, resource, str(entry.get("fullUrl") or "")))
        else:
            referral.problem(
                "not-supported",
                f"Bundle.entry[{index}].resource",
                f"A referral holds one Patient and one ServiceRequest; {kind or 'an entry without a resource'} "
                "is not accepted.",
            )
    for kind, items in found.items():
        if len(items) != 1:
            referral.problem(
                "required" if not items else "invalid",
                f"Bundle.entry.resource.ofType({kind})",
                f"The Bundle must hold exactly one {kind}; it holds {len(items)}.",
            )
    if found["Patient"]:
        _read_patient(referral, *found["Patient"][0])
    if found["ServiceRequest"]:
        patient_urls = set()
        if found["Patient"]:
            index, resource, full_url = found["Patient"][0]
            patient_urls = {u for u in (full_url, f"Patient/{resource.get('id')}" if resource.get("id") else "") if u}
        _read_service_request(referral, *found["ServiceRequest"][0], patient_urls=patient_urls)
    if referral.problems:
        raise Refused(referral.problems)
    return referral


def _read_patient(referral: Referral, index: int, resource: dict, _full_url: str) -> None:
    at = f"Bundle.entry[{index}].resource"
    nhs = _identifier(resource, system=t.NHS_NUMBER_SYSTEM).replace(" ", "")
    if not nhs:
        referral.problem("required", f"{at}.identifier", f"The Patient needs an NHS number ({t.NHS_NUMBER_SYSTEM}).")
    else:
        try:
            validate_nhs_number(nhs)
            referral.nhs_number = nhs
        except ValidationError as exc:
            referral.problem("value", f"{at}.identifier", exc.messages[0])
    referral.hospital_number = _identifier(resource, type_code=t.IDENTIFIER_TYPE_MR)
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    if names:
        referral.family_name = str(names[0].get("family") or "").strip()
        given = names[0].get("given") or []
        referral.given_name = str(given[0]).strip() if isinstance(given, list) and given else ""
    if resource.get("birthDate"):
        referral.birth_date = _date(resource.get("birthDate"), referral, f"{at}.birthDate", "date of birth")
    gender = resource.get("gender")
    gender = gender if isinstance(gender, str) or gender is None else repr(gender)
    if gender is not None and gender not in GENDER_TO_SEX:
        referral.problem("value", f"{at}.gender", "Gender must be female, male, other or unknown.")
    referral.sex = GENDER_TO_SEX.get(gender, "")
    phones = [p for p in resource.get("telecom") or [] if isinstance(p, dict) and p.get("system") == "phone"]
    referral.phone = str(phones[0].get("value") or "")[:30] if phones else ""


def _read_service_request(referral: Referral, index: int, resource: dict, _url: str, *, patient_urls) -> None:
    at = f"Bundle.entry[{index}].resource"
    identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict)]
    if not identifiers or not identifiers[0].get("system") or not identifiers[0].get("value"):
        referral.problem(
            "required",
            f"{at}.identifier",
            "The ServiceRequest needs an identifier with a system and a value (the referral's own id).",
        )
    else:
        referral.identifier_system = str(identifiers[0]["system"])[:255]
        referral.identifier_value = str(identifiers[0]["value"])[:255]
    referral.received_on = _date(resource.get("authoredOn"), referral, f"{at}.authoredOn", "referral date")
    subject = (resource.get("subject") or {}).get("reference") if isinstance(resource.get("subject"), dict) else None
    if patient_urls and subject not in patient_urls:
        referral.problem(
            "invalid", f"{at}.subject", "The ServiceRequest's subject must refer to the Patient in the Bundle."
        )
    if resource.get("priority") in ("urgent", "asap", "stat"):
        referral.priority = Priority.URGENT
    requester = resource.get("requester")
    if isinstance(requester, dict):
        referral.referrer_name = str(requester.get("display") or "")[:200]
    # The aetiology if the reason names one of the service's (domain.md 2.3); otherwise "other" until triage.
    for reason in resource.get("reasonCode") or []:
        if not isinstance(reason, dict):
            continue
        words = " ".join(
            [str(reason.get("text") or "")]
            + [str(c.get("display") or "") for c in reason.get("coding") or [] if isinstance(c, dict)]
        ).lower()
        for value, label in Aetiology.choices:
            if value != Aetiology.OTHER and label.lower() in words:
                referral.aetiology = value
                break


def _existing(referral: Referral) -> Pathway | None:
    found = (
        InboundReferral.objects.select_related("pathway")
        .filter(identifier_system=referral.identifier_system, identifier_value=referral.identifier_value)
        .first()
    )
    return found.pathway if found else None


PATIENT_FIELDS = {
    "nhs_number": "Patient.identifier",
    "hospital_number": "Patient.identifier",
    "family_name": "Patient.name.family",
    "given_name": "Patient.name.given",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "phone": "Patient.telecom",
}


def _new_patient(referral: Referral) -> Patient:
    patient = Patient(
        nhs_number=referral.nhs_number,
        hospital_number=referral.hospital_number,
        family_name=referral.family_name,
        given_name=referral.given_name,
        date_of_birth=referral.birth_date,
        sex=referral.sex,
        phone=referral.phone,
    )
    try:
        patient.full_clean()
    except ValidationError as exc:
        raise Refused(
            [
                Problem(
                    "required" if not getattr(patient, name, None) else "invalid",
                    PATIENT_FIELDS.get(name, "Patient"),
                    f"To register a new patient: {name.replace('_', ' ')}: {' '.join(messages)}"
                    + (" (an identifier of type MR)" if name == "hospital_number" else ""),
                )
                for name, messages in exc.message_dict.items()
            ]
        ) from exc
    return patient


def _open(api_token: ApiToken, referral: Referral) -> Pathway:
    user = api_token.user
    patient = Patient.objects.filter(nhs_number=referral.nhs_number).first()
    if patient is None:
        patient = register_patient(acting_user=user, patient=_new_patient(referral))
    pathway = Pathway(
        patient=patient,
        referral_received_on=referral.received_on,
        referrer_type=api_token.referrer_type,
        referrer_name=referral.referrer_name,
        referrer_organisation=api_token.system_name[:200],
        aetiology=referral.aetiology,
        priority=referral.priority,
    )
    referral_services.open_pathway(acting_user=user, pathway=pathway)
    InboundReferral.objects.create(
        identifier_system=referral.identifier_system,
        identifier_value=referral.identifier_value,
        pathway=pathway,
        api_token=api_token,
    )
    return pathway


def receive(*, api_token: ApiToken, referral: Referral) -> tuple[Pathway, bool]:
    """The pathway for this referral, and whether it was opened now (False: sent before).

    Two at once: the loser's insert fails on a unique constraint (the NHS number, or the referral's
    identifier); its savepoint is undone and it reads what the winner committed."""
    for _attempt in range(3):
        existing = _existing(referral)
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                return _open(api_token, referral), True
        except (IntegrityError, DuplicateRecord):
            continue
    raise Refused([Problem("conflict", "Bundle", "The referral could not be recorded; send it again.")], 409)
