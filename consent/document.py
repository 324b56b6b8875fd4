"""What goes on a consent PDF: the record as it stood at one event (signed, confirmed, withdrawn).

Built from the stored snapshot only (explained risks, leaflet as given, signatures), so re-rendering
an old event gives the same content. The PDF itself is made by consent/pdf.py.
"""

from __future__ import annotations

import base64

from django.utils import timezone

from consent import selectors
from consent.models import ConsentRecord, DocumentEvent, SignatureMethod
from consent.pdf import SealedPdf, render_sealed_pdf
from pathway.models import ServiceSettings

STATEMENT_CLINICIAN = (
    "I have explained the procedure to the patient, including what it is likely to involve, the benefits "
    "and risks listed, the available alternatives (including no treatment) and any particular concerns "
    "of this patient."
)
STATEMENT_INTERPRETER = (
    "I have interpreted the information above to the patient as well as I can, in a way I believe they can understand."
)
STATEMENT_PATIENT = (
    "I agree to the procedure described on this form. I understand that I can change my mind at any "
    "time, including after signing, and that no other procedure will be carried out without my agreement "
    "unless it is needed to save my life or prevent serious harm to my health."
)
# NHS consent form 1, statement of patient: who performs the procedure is not promised.
STATEMENT_NO_GUARANTEE = (
    "I understand that no guarantee can be given that a particular person will perform the procedure. "
    "The person will, however, have appropriate experience."
)
# What a patient who signs with the keyboard confirms (consent.services.sign_consent requires it ticked).
TYPED_ATTESTATION = "By typing my name I sign this form, as if I had signed it by hand."
WITNESS_ATTESTATION = "I saw the patient indicate their consent to the procedure described on this form."
STATEMENT_CONFIRMATION = (
    "On behalf of the team treating the patient, I have confirmed with the patient that they have no "
    "further questions and wish the procedure to go ahead."
)
STATEMENT_FORM4 = (
    "The patient lacks capacity to make this decision (Mental Capacity Act 2005, sections 2 and 3). The "
    "procedure is proposed in their best interests, for the reasons recorded on this form."
)


# The user-agent stylesheet for the consent template: WeasyPrint's rules for only the elements that
# templates/consent/pdf/consent.html uses (tests/consent/test_pdf_ua_stylesheet.py checks it covers them).
CONSENT_PDF_UA_STYLESHEET = "css/consent_pdf_ua.css"


def _data_url(png: bytes | memoryview | None) -> str | None:
    if not png:
        return None
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def document_context(*, consent: ConsentRecord, event: str, event_at) -> dict:
    """Everything the template shows, with confirmations and withdrawal cut off at `event_at`."""
    pathway = consent.pathway
    patient = pathway.patient
    confirmations = [
        c
        for c in consent.confirmations.select_related("confirmed_by", "supervised_by").order_by("confirmed_at", "id")
        if c.confirmed_at <= event_at
    ]
    withdrawal = consent.withdrawal_or_none
    if withdrawal is not None and withdrawal.withdrawn_at > event_at:
        withdrawal = None
    try:
        capacity = consent.capacity
    except ConsentRecord.capacity.RelatedObjectDoesNotExist:
        capacity = None
    rules = selectors.consent_rules()
    service = ServiceSettings.as_of(event_at)  # the trust's details as they stood at the event
    return {
        "service": service,
        "service_logo": service.logo_data_url(),
        "consent": consent,
        "pathway": pathway,
        "patient": patient,
        "event": DocumentEvent(event),
        "event_at": timezone.localtime(event_at),
        "risks": list(selectors.explained_risks(consent)),
        "capacity": capacity,
        "confirmations": confirmations,
        "withdrawal": withdrawal,
        "valid_until": consent.valid_until(rules["validity_days"]),
        "patient_signature": _data_url(consent.patient_signature),
        "witness_signature": _data_url(consent.witness_signature),
        "methods": SignatureMethod,
        "statement_clinician": STATEMENT_CLINICIAN,
        "statement_interpreter": STATEMENT_INTERPRETER,
        "statement_patient": STATEMENT_PATIENT,
        "statement_confirmation": STATEMENT_CONFIRMATION,
        "statement_form4": STATEMENT_FORM4,
        "statement_no_guarantee": STATEMENT_NO_GUARANTEE,
        "typed_attestation": TYPED_ATTESTATION,
        "generated_at": timezone.localtime(),
    }


def render_consent_pdf(*, consent: ConsentRecord, event: str, event_at) -> SealedPdf:
    context = document_context(consent=consent, event=event, event_at=event_at)
    caption = f"Consent {consent.pk}, {context['event'].label.lower()} {context['event_at']:%-d %b %Y %H:%M}."
    return render_sealed_pdf(
        "consent/pdf/consent.html", context, caption=caption, ua_stylesheet=CONSENT_PDF_UA_STYLESHEET
    )
