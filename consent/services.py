"""Writes about consent. Keyword-only, typed, each takes `acting_user`.

The life of a consent: `start_consent` (a draft with the library's risks copied in) -> `save_draft`
(any number of times) -> `sign_consent` (patient and clinician; the record is then frozen) ->
`confirm_consent` on the day by the operator -> possibly `withdraw_consent`. A PDF is rendered and
stored at each event (signed, confirmed, withdrawn).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import roles
from consent import gates, selectors
from consent.models import (
    Anaesthesia,
    CapacityAssessment,
    ConsentConfirmation,
    ConsentDocument,
    ConsentForm,
    ConsentRecord,
    ConsentWithdrawal,
    DocumentEvent,
    ExplainedRisk,
    Risk,
    RiskVersion,
    SignatureMethod,
    WithdrawalTiming,
)
from consent.signatures import MAX_SCAN_BYTES, Signature, scan_kind
from pathway import workflow
from pathway.core.services import DuplicateRecord, StaleEdit, lock_state, save_versioned
from pathway.models import ExitState, Pathway, Stage

logger = logging.getLogger(__name__)


class ConsentError(Exception):
    """A consent action refused, with reasons in plain words."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else [str(r) for r in reasons]
        super().__init__("; ".join(self.reasons))


SIGNED_MESSAGE = (
    "This consent has been signed and can no longer be changed. To correct it, withdraw it and take a new consent."
)


def can_withdraw(user) -> bool:
    """The consent taker or the operator (a patient may stop during the procedure)."""
    return user.has_perm(roles.RECORD_CONSENT) or user.has_perm(roles.RECORD_PROCEDURE)


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _refuse_if_closed(pathway: Pathway) -> None:
    refusal = workflow.recording_refusal(pathway, Stage.CONSENT)
    if refusal:
        raise ConsentError(refusal)


# --- drafting -------------------------------------------------------------------------------------


def start_refusal(pathway: Pathway) -> str | None:
    """Why a new consent cannot be started now, or None."""
    refusal = workflow.recording_refusal(pathway, Stage.CONSENT)
    if refusal:
        return refusal
    current = selectors.current_consent(pathway)
    if current is None or current.is_withdrawn:
        return None
    if not current.is_signed:
        return "A draft consent is already open for this pathway; complete or edit it."
    if selectors.flagged_for_reconsent(current) or selectors.has_lapsed(current):
        return None
    return "A signed consent is in force. To correct or replace it, withdraw it first."


@transaction.atomic
def start_consent(*, acting_user, pathway: Pathway, form_type: str = ConsentForm.FORM_1) -> ConsentRecord:
    """Open a draft consent: the planned levels, the interpreter from the pre-assessment, and every
    active risk of the library copied in as explained (domain.md 5.4: offer every risk)."""
    _require(acting_user, roles.RECORD_CONSENT)
    lock_state(pathway)  # two starts at once run one after the other; the second is refused below
    refusal = start_refusal(pathway)
    if refusal:
        raise ConsentError(refusal)
    previous = selectors.current_consent(pathway)
    needed, language = selectors.interpreter_required(pathway)
    consent = ConsentRecord(
        pathway=pathway,
        form_type=ConsentForm(form_type),
        levels=selectors.planned_levels(pathway),
        # The service's leaflets: local anaesthetic with IV sedation (domain.md 6.3 [L]).
        anaesthesia=[Anaesthesia.LOCAL, Anaesthesia.SEDATION],
        interpreter_used=needed,
        interpreter_language=language,
        # Stage 1 is taken ideally by the operator (domain.md 5.6): named in the draft, changed there
        # when someone else will operate, and fixed when the consent is signed.
        operator=acting_user,
    )
    try:
        save_versioned(instance=consent, expected_version=None, acting_user=acting_user)
    except DuplicateRecord as exc:  # the constraint: one draft per pathway and procedure
        raise ConsentError("A draft consent was opened for this pathway a moment ago; it is shown below.") from exc
    rows = []
    for order, risk in enumerate(selectors.active_risks()):
        version = risk.current_version
        if version is None:
            continue
        row = ExplainedRisk(
            consent=consent,
            risk=risk,
            risk_version=version,
            order=order,
            name=version.name,
            patient_wording=version.patient_wording,
            frequency_numbers=version.frequency_numbers,
            frequency_band=version.frequency_band,
            source=version.source,
        )
        rows.append(save_versioned(instance=row, expected_version=None, acting_user=acting_user))
    if previous is not None:
        previous.superseded_by = consent
        previous._history_user = acting_user
        previous.save(update_fields=["superseded_by"])
    logger.info("consent.started id=%s pathway=%s user=%s", consent.pk, pathway.pk, acting_user.pk)
    return consent


@dataclass
class RiskAnswer:
    explained_risk: ExplainedRisk
    discussed: bool
    not_discussed_reason: str
    patient_note: str


@transaction.atomic
def save_draft(
    *,
    acting_user,
    consent: ConsentRecord,
    expected_version: int | None,
    risk_answers: Iterable[RiskAnswer] = (),
    capacity: CapacityAssessment | None = None,
) -> ConsentRecord:
    """Save a draft with its risk answers and capacity assessment, refusing a stale form."""
    _require(acting_user, roles.RECORD_CONSENT)
    lock_state(consent.pathway)  # the pathway first, then the consent: one lock order everywhere
    stored = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if stored.is_signed or stored.is_withdrawn:
        raise ConsentError(SIGNED_MESSAGE)
    if stored.superseded_by_id:
        raise ConsentError("This consent has been replaced by a newer one.")
    _refuse_if_closed(consent.pathway)
    consent.full_clean(exclude=["pathway", "leaflet", "superseded_by"])
    save_versioned(instance=consent, expected_version=expected_version, acting_user=acting_user)
    for answer in risk_answers:
        row = answer.explained_risk
        if row.consent_id != consent.pk:
            raise PermissionDenied
        row.discussed = answer.discussed
        row.not_discussed_reason = "" if answer.discussed else answer.not_discussed_reason.strip()
        row.patient_note = answer.patient_note.strip()
        row.full_clean(exclude=["consent", "risk", "risk_version"])
        save_versioned(instance=row, expected_version=row.version, acting_user=acting_user)
    existing = CapacityAssessment.objects.filter(consent=consent).first()
    if capacity is not None:
        capacity.consent = consent
        if existing is not None:
            capacity.pk = existing.pk
            capacity.created_at = existing.created_at
        capacity.full_clean(exclude=["consent"])
        save_versioned(
            instance=capacity, expected_version=existing.version if existing else None, acting_user=acting_user
        )
    logger.info("consent.draft_saved id=%s user=%s", consent.pk, acting_user.pk)
    return consent


# --- signing --------------------------------------------------------------------------------------


@transaction.atomic
def sign_consent(
    *, acting_user, consent: ConsentRecord, expected_version: int | None, signature: Signature, password: str
) -> ConsentRecord:
    """The patient signs (on screen, on paper, or before a witness) and the clinician signs by
    re-entering their password. The record is complete or it is refused; then it is frozen."""
    _require(acting_user, roles.RECORD_CONSENT)
    if not acting_user.check_password(password or ""):
        raise ConsentError("Your password was not accepted; the consent has not been signed.")
    lock_state(consent.pathway)  # the pathway first, then the consent: one lock order everywhere
    stored = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if stored.is_signed or stored.is_withdrawn:
        raise ConsentError(SIGNED_MESSAGE)
    if stored.superseded_by_id:
        raise ConsentError("This consent has been replaced by a newer one.")
    if expected_version is None or stored.version != expected_version:
        raise StaleEdit
    pathway = stored.pathway
    _refuse_if_closed(pathway)
    refusals = gates.sign_refusals(pathway, stored)
    if refusals:
        raise ConsentError(refusals)
    method = SignatureMethod(signature.method)
    now = timezone.now()
    if method == SignatureMethod.DRAWN:
        if not signature.patient_png:
            raise ConsentError("The patient's signature is missing.")
        stored.patient_signature = signature.patient_png
    elif method == SignatureMethod.TYPED:
        if not signature.typed_name.strip() or not signature.attested:
            raise ConsentError(
                "To sign with the keyboard the patient types their full name and ticks the statement above it."
            )
        stored.patient_typed_name = signature.typed_name.strip()
    elif method == SignatureMethod.PAPER:
        if signature.paper_scan is None:
            raise ConsentError("Attach the scan of the form signed on paper.")
        data = signature.paper_scan.read()
        kind = scan_kind(data[:8])
        if kind is None or len(data) > MAX_SCAN_BYTES:
            raise ConsentError("The scan must be a PDF, PNG or JPEG file of at most 10 MB.")
        stored.paper_scan_sha256 = hashlib.sha256(data).hexdigest()
        stored.paper_scan.save(f"consent-{stored.pk}-signed.{kind}", ContentFile(data), save=False)
    else:
        if not signature.witness_name.strip() or not (signature.witness_png or signature.witness_attested):
            raise ConsentError(
                "The witness's name is needed, with their drawn signature or their tick that they saw the "
                "patient indicate consent, when the patient cannot sign."
            )
        stored.witness_name = signature.witness_name.strip()
        stored.witness_signature = signature.witness_png or None
    stored.signature_method = method
    stored.patient_signed_at = now
    stored.clinician = acting_user
    stored.clinician_name = acting_user.display_name
    stored.clinician_job_title = acting_user.job_title
    stored.clinician_registration = acting_user.registration_number
    stored.signed_at = now
    stored.leaflet_title = stored.leaflet.title
    stored.leaflet_version = stored.leaflet.version
    save_versioned(instance=stored, expected_version=expected_version, acting_user=acting_user)
    render_document(consent=stored, event=DocumentEvent.SIGNED, event_at=now, acting_user=acting_user)
    logger.info("consent.signed id=%s user=%s", stored.pk, acting_user.pk)
    return stored


# --- stage 2: confirmation on the day ---------------------------------------------------------------


def confirm_refusals(consent: ConsentRecord, *, today: datetime.date | None = None) -> list[str]:
    """Confirmation comes after the signature, on the day, within validity (domain.md 5.6 [R45][R43])."""
    today = today or timezone.localdate()
    pathway = consent.pathway
    if not pathway.is_open:
        return ["This pathway is closed."]
    if not consent.is_signed:
        return ["The consent must be signed before it can be confirmed."]
    if consent.is_withdrawn:
        return ["This consent has been withdrawn; a new consent is needed."]
    if consent.superseded_by_id:
        return ["This consent has been replaced by a newer one."]
    if pathway.stage.index > Stage.PROCEDURE.index:
        return ["The procedure has already taken place."]
    reasons = []
    rules = selectors.consent_rules()
    if selectors.has_lapsed(consent, on=today, rules=rules):
        until = selectors.valid_until(consent, rules)
        reasons.append(f"The consent lapsed on {until:%-d %b %Y}; a new consent is needed.")
    if pathway.planned_procedure_on and pathway.planned_procedure_on != today:
        reasons.append(
            f"Confirmation is recorded on the day of the procedure ({pathway.planned_procedure_on:%-d %b %Y})."
        )
    if selectors.flagged_for_reconsent(consent):
        reasons.append("The planned levels have changed since signing: a new consent is needed.")
    return reasons


def confirmer_refusals(
    consent: ConsentRecord, *, acting_user, delegation_reason: str = "", supervised_by=None
) -> list[str]:
    """Who may confirm (domain.md 5.6: the radiologist performing the procedure; domain.md 10: the
    named operator, or a delegate recorded with a justification; a trainee never alone)."""
    reasons = []
    if not consent.operator_id:
        reasons.append("No operator is named on the consent: the consultant names one before the day.")
    elif consent.operator_id != acting_user.pk and not delegation_reason.strip():
        reasons.append(
            f"You are not the named operator ({consent.operator.display_name}): record why you confirm on their behalf."
        )
    if not acting_user.is_consultant:
        if supervised_by is None:
            reasons.append("A trainee cannot confirm consent alone: name the supervising consultant.")
        elif not supervised_by.is_consultant or supervised_by.pk == acting_user.pk:
            reasons.append("The supervising clinician must be a consultant.")
    return reasons


def capacity_refusals(consent: ConsentRecord, *, has_capacity_today: bool | None, capacity_how: str) -> list[str]:
    """Capacity is re-checked at confirmation (domain.md 5.6 [A][R45]; MCA 2005, domain.md 5.5)."""
    if has_capacity_today is None or not capacity_how.strip():
        return ["Record whether the patient has capacity for this decision today, and how it was checked."]
    if consent.form_type == ConsentForm.FORM_1 and not has_capacity_today:
        return [
            "The patient does not have capacity for this decision today: do not go ahead on this Form 1 "
            "(a capacity assessment and a Form 4 are needed)."
        ]
    if consent.form_type == ConsentForm.FORM_4 and has_capacity_today:
        return ["The patient has capacity for this decision today: they decide for themselves on a Form 1 consent."]
    return []


@transaction.atomic
def confirm_consent(
    *,
    acting_user,
    consent: ConsentRecord,
    no_further_questions: bool,
    wishes_to_proceed: bool,
    risks_rediscussed: bool,
    changes_noted: str,
    has_capacity_today: bool | None = None,
    capacity_how: str = "",
    delegation_reason: str = "",
    supervised_by=None,
) -> ConsentConfirmation:
    """The operator confirms, before sedation, that the patient has no further questions and still
    wishes to go ahead (Form 1 confirmation; RCR AuditLive [R45]), with capacity re-checked."""
    _require(acting_user, roles.RECORD_PROCEDURE)
    lock_state(consent.pathway)  # the pathway first, then the consent: one lock order everywhere
    stored = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    refusals = confirm_refusals(stored)
    refusals += confirmer_refusals(
        stored, acting_user=acting_user, delegation_reason=delegation_reason, supervised_by=supervised_by
    )
    if not no_further_questions or not wishes_to_proceed:
        refusals.append(
            "Confirm both that the patient has no further questions and that they still wish to go ahead; "
            "if not, do not proceed (record a withdrawal if they no longer consent)."
        )
    refusals += capacity_refusals(stored, has_capacity_today=has_capacity_today, capacity_how=capacity_how)
    if selectors.needs_risks_rediscussed(stored) and not risks_rediscussed:
        rules = selectors.consent_rules()
        refusals.append(
            f"The consent was signed more than {rules['reconfirm_days']} days ago: go through the risks again "
            "and tick that they were re-discussed."
        )
    if refusals:
        raise ConsentError(refusals)
    now = timezone.now()
    confirmation = ConsentConfirmation(
        consent=stored,
        confirmed_by=acting_user,
        confirmed_by_name=acting_user.display_name,
        confirmed_at=now,
        no_further_questions=True,
        wishes_to_proceed=True,
        risks_rediscussed=risks_rediscussed,
        changes_noted=changes_noted.strip(),
        has_capacity_today=has_capacity_today,
        capacity_how=capacity_how.strip(),
        delegation_reason=delegation_reason.strip() if stored.operator_id != acting_user.pk else "",
        supervised_by=None if acting_user.is_consultant else supervised_by,
    )
    save_versioned(instance=confirmation, expected_version=None, acting_user=acting_user)
    render_document(consent=stored, event=DocumentEvent.CONFIRMED, event_at=now, acting_user=acting_user)
    logger.info("consent.confirmed id=%s user=%s", stored.pk, acting_user.pk)
    return confirmation


# --- withdrawal -----------------------------------------------------------------------------------


class AfterWithdrawal:
    KEEP_OPEN = "keep_open"
    CLOSE = "close"
    CHOICES = [
        (KEEP_OPEN, "Keep the pathway open for a further discussion and a new consent"),
        (CLOSE, "Close the pathway: consent withdrawn"),
    ]


@transaction.atomic
def withdraw_consent(
    *,
    acting_user,
    consent: ConsentRecord,
    withdrawal: ConsentWithdrawal,
    then: str = AfterWithdrawal.KEEP_OPEN,
) -> ConsentWithdrawal:
    """Record a withdrawal (any time, even after signing; domain.md 5.7). The pathway reacts at once:
    the procedure gate closes; a pathway already listed for the procedure returns to the consent
    stage (it shows on the consent worklist again), or is closed as 'consent withdrawn'."""
    if not can_withdraw(acting_user):
        raise PermissionDenied
    lock_state(consent.pathway)  # the pathway first, then the consent: one lock order everywhere
    stored = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if not stored.is_signed:
        raise ConsentError("A draft has not been signed, so there is nothing to withdraw.")
    if stored.is_withdrawn:
        raise ConsentError("This consent has already been withdrawn.")
    pathway = stored.pathway
    now = timezone.now()
    withdrawal.consent = stored
    withdrawal.withdrawn_at = now
    withdrawal.recorded_by_name = acting_user.display_name
    withdrawal.full_clean(exclude=["consent"])
    save_versioned(instance=withdrawal, expected_version=None, acting_user=acting_user)
    stored.withdrawal = withdrawal
    render_document(consent=stored, event=DocumentEvent.WITHDRAWN, event_at=now, acting_user=acting_user)
    reason = "Consent withdrawn: " + withdrawal.get_withdrawn_by_display().lower()
    if pathway.is_open and then == AfterWithdrawal.CLOSE:
        workflow.close(pathway=pathway, exit_state=ExitState.CONSENT_WITHDRAWN, acting_user=acting_user, reason=reason)
    elif pathway.is_open and withdrawal.timing == WithdrawalTiming.BEFORE and pathway.stage == Stage.PROCEDURE:
        workflow.consent_withdrawn(pathway=pathway, acting_user=acting_user, reason=reason)
    logger.info("consent.withdrawn id=%s user=%s", stored.pk, acting_user.pk)
    return withdrawal


# --- documents ------------------------------------------------------------------------------------


def render_document(*, consent: ConsentRecord, event: str, event_at, acting_user) -> ConsentDocument:
    """Render the consent as it stood at `event_at`, store the PDF with its hashes."""
    from consent.document import render_consent_pdf

    sealed = render_consent_pdf(consent=consent, event=event, event_at=event_at)
    document = ConsentDocument(
        consent=consent,
        event=event,
        event_at=event_at,
        record_sha256=sealed.record_sha256,
        record_length=sealed.record_length,
        file_sha256=sealed.file_sha256,
        pages=sealed.pages,
        rendered_by=acting_user,
    )
    name = f"consent-{consent.pk}-{event}-{event_at:%Y%m%d%H%M%S}.pdf"
    document.file.save(name, ContentFile(sealed.content), save=False)
    document.save()
    return document


def latest_event(consent: ConsentRecord) -> tuple[str, datetime.datetime] | None:
    withdrawal = consent.withdrawal_or_none
    if withdrawal is not None:
        return DocumentEvent.WITHDRAWN, withdrawal.withdrawn_at
    confirmation = consent.latest_confirmation
    if confirmation is not None:
        return DocumentEvent.CONFIRMED, confirmation.confirmed_at
    if consent.signed_at:
        return DocumentEvent.SIGNED, consent.signed_at
    return None


def stored_document(*, consent: ConsentRecord) -> ConsentDocument | None:
    """The stored PDF of the consent's latest event, or None. A read: it never renders or stores
    (documents are made when their event happens, design.md 9; records imported without one get
    theirs from `manage.py render_consent_documents`, an administrator's deliberate action)."""
    event = latest_event(consent)
    if event is None:
        return None
    kind, at = event
    return consent.documents.filter(event=kind, event_at=at).first()


def event_user(consent: ConsentRecord, kind: str):
    """Who made a consent event: the clinician who signed, the operator who confirmed, the person
    who recorded the withdrawal."""
    if kind == DocumentEvent.WITHDRAWN:
        return consent.withdrawal_or_none.recorded_by or consent.clinician
    if kind == DocumentEvent.CONFIRMED:
        return consent.latest_confirmation.confirmed_by
    return consent.clinician


@transaction.atomic
def render_missing_document(*, consent: ConsentRecord) -> ConsentDocument | None:
    """Render and store the PDF of the consent's latest event if none is stored (records made
    without one, e.g. bulk demo data), as of that event and in the name of who made it."""
    event = latest_event(consent)
    if event is None or stored_document(consent=consent) is not None:
        return None
    kind, at = event
    return render_document(consent=consent, event=kind, event_at=at, acting_user=event_user(consent, kind))


def verify_document(document: ConsentDocument) -> bool:
    """Re-check a stored PDF against the hashes recorded when it was rendered."""
    with document.file.open("rb") as handle:
        content = handle.read()
    return (
        hashlib.sha256(content).hexdigest() == document.file_sha256
        and hashlib.sha256(content[: document.record_length]).hexdigest() == document.record_sha256
    )


# --- the libraries --------------------------------------------------------------------------------

VERSIONED_RISK_FIELDS = ("name", "patient_wording", "frequency_numbers", "frequency_band", "source")


@transaction.atomic
def revise_risk(*, acting_user, risk: Risk, frequency_change_reason: str = "", **fields) -> RiskVersion | None:
    """Editing a risk adds a version; consents keep the wording they were given. None if unchanged.

    A new frequency of a risk already in the library is not applied here: it becomes a pending
    RiskFrequencyChange (with `frequency_change_reason`) that takes effect when a second consultant
    approves it (consent.governance); the wording changes at once.
    """
    from consent import governance

    current = risk.current_version
    values = {name: fields.get(name, getattr(current, name, "")) for name in VERSIONED_RISK_FIELDS}
    if current is not None and governance.frequency_differs(current, values):
        governance.propose_frequency_change(
            acting_user=acting_user,
            risk=risk,
            frequency_numbers=values["frequency_numbers"],
            frequency_band=values["frequency_band"],
            reason=frequency_change_reason,
        )
        values.update({name: getattr(current, name) for name in governance.FREQUENCY_FIELDS})
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return None
    version = governance.add_risk_version(acting_user=acting_user, risk=risk, values=values)
    logger.info("risk.revised code=%s version=%s user=%s", risk.code, version.number, acting_user.pk)
    return version


def validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{field}: {m}" if field != "__all__" else m for field, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)
