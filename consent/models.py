"""Consent (design.md section 6; domain.md section 5): the consent record on the structure of NHS
consent Form 1 / Form 4, the risks as explained (a snapshot), the capacity assessment, the on-the-day
confirmations, the withdrawal, and the stored PDFs. The risk and leaflet libraries are in
consent/risk_library.py.

A signed consent is never edited: the services refuse it, the admin is read-only. A correction is a
withdrawal plus a new consent.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consent.capacity import (
    ATTORNEY_TYPES,
    Ability,
    AdvanceDecision,
    AttorneyStatus,
    CapacityAssessment,
)
from consent.risk_library import (
    FrequencyBand,
    Leaflet,
    LeafletQuerySet,
    Risk,
    RiskFrequencyChange,
    RiskQuerySet,
    RiskVersion,
)
from pathway.models import ClinicalRecord, Level, NoHardDeleteQuerySet, Pathway

# The library (consent.risk_library) and the capacity assessment (consent.capacity) are part of this
# app's models.
__all__ = [
    "ATTORNEY_TYPES",
    "Ability",
    "AdvanceDecision",
    "AttorneyStatus",
    "CapacityAssessment",
    "FrequencyBand",
    "Leaflet",
    "LeafletQuerySet",
    "Risk",
    "RiskFrequencyChange",
    "RiskQuerySet",
    "RiskVersion",
]


class ConsentForm(models.TextChoices):
    """NHS model consent forms used here (domain.md 5.2 [R36][R39])."""

    FORM_1 = "form1", "Form 1: patient agreement (procedure under sedation)"
    FORM_4 = "form4", "Form 4: adult lacking capacity (best interests)"


class Alternative(models.TextChoices):
    """Alternatives discussed (domain.md 5.3; GMC: including taking no action [R34])."""

    CONSERVATIVE = "conservative", "Conservative care with optimal pain relief"
    BRACING = "bracing", "Bracing"
    KYPHOPLASTY = "kyphoplasty", "Balloon kyphoplasty"
    NO_TREATMENT = "no_treatment", "No treatment"


class ExtraProcedure(models.TextChoices):
    """Extra procedures that may become necessary (domain.md 5.3)."""

    TRANSFUSION = "transfusion", "Blood transfusion"
    BIOPSY = "biopsy", "Bone biopsy"
    GENERAL_ANAESTHETIC = "general_anaesthetic", "Conversion to general anaesthetic"
    CT = "ct", "CT scan during or after the procedure"


class Anaesthesia(models.TextChoices):
    """Anaesthesia type on Form 1 (domain.md 5.3)."""

    LOCAL = "local", "Local anaesthesia"
    SEDATION = "sedation", "Sedation"
    GENERAL_REGIONAL = "general_regional", "General and/or regional anaesthesia"


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", "Signed on screen"
    # A keyboard route for a patient who cannot use a pointer (WCAG 2.2 2.5.7, issue 16): the patient
    # types their name and ticks the attestation; the PDF says it was typed.
    TYPED = "typed", "Name typed by the patient, with an attestation"
    PAPER = "paper", "Signed on paper (scan attached)"
    WITNESS = "witness", "Patient unable to sign; consent indicated before a witness"


class PatientCopy(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


DEFAULT_PROCEDURE = "Percutaneous vertebroplasty"
DEFAULT_EXPLANATION = (
    "Under local anaesthetic and sedation, a needle is passed into the broken bone of the spine using "
    "x-ray guidance, and bone cement is injected to support it. A CT scan afterwards checks where the "
    "cement went."
)
# Intended benefits template: pain relief and stabilising the vertebra (IPG12, domain.md 5.6 [R6]).
DEFAULT_BENEFITS = (
    "To reduce the pain from the broken bone and to make the vertebra more stable, so that it is less "
    "likely to collapse further. Research results are mixed: some patients get little or no extra pain "
    "relief compared with other care."
)
DEFAULT_ALTERNATIVES_NOTE = ""


class ConsentRecordQuerySet(NoHardDeleteQuerySet):
    def current(self):
        return self.filter(superseded_by__isnull=True)

    def signed(self):
        return self.filter(signed_at__isnull=False)

    def in_force(self):
        """Signed and not withdrawn (validity and levels are judged against the pathway)."""
        return self.signed().filter(withdrawal__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawal__isnull=False)


class ConsentRecord(ClinicalRecord):
    """One consent for a pathway: Form 1 (with capacity) or Form 4 (best interests).

    Drafted by a consultant, signed (patient and clinician), confirmed on the day by the operator,
    possibly withdrawn. Once signed it is never edited.
    """

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="consents")
    form_type = models.CharField("consent form", max_length=10, choices=ConsentForm.choices, default=ConsentForm.FORM_1)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes", editable=False
    )

    # Statement of health professional (domain.md 5.3).
    procedure_name = models.CharField("proposed procedure", max_length=200, default=DEFAULT_PROCEDURE)
    procedure_explanation = models.TextField("brief explanation", default=DEFAULT_EXPLANATION)
    levels = models.JSONField("vertebral levels", default=list, help_text="Levels the patient consents to treat.")
    intended_benefits = models.TextField(default=DEFAULT_BENEFITS)
    efficacy_uncertainty_discussed = models.BooleanField(
        "uncertain evidence of benefit discussed",
        default=False,
        help_text="Sham-controlled trials found little or no added benefit (Cochrane review, 2018).",
    )
    alternatives = models.JSONField("alternatives discussed", default=list, blank=True)
    alternatives_note = models.TextField("alternatives: notes", blank=True)
    extra_procedures = models.JSONField("extra procedures that may become necessary", default=list, blank=True)
    extra_procedures_other = models.CharField("other extra procedure", max_length=300, blank=True)
    anaesthesia = models.JSONField("anaesthesia", default=list, blank=True)
    leaflet = models.ForeignKey(Leaflet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    leaflet_given_on = models.DateField("leaflet given on", null=True, blank=True)
    patient_concerns = models.TextField(
        "what matters to the patient",
        blank=True,
        help_text="Particular concerns, occupation or hobbies relevant to the risks (Montgomery).",
    )
    patient_questions = models.TextField("the patient's questions and the answers given", blank=True)
    procedures_not_wanted = models.TextField(
        "procedures the patient does not want without further discussion", blank=True
    )
    contact_details = models.CharField("contact for further questions", max_length=200, blank=True)
    # The operator is named before the day (domain.md 5.6: stage 2 is confirmed by the radiologist
    # performing the procedure; domain.md 10: the UI stops anyone else signing it, bar a recorded delegate).
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="operator (who will perform the procedure)",
        help_text="Confirms the consent on the day, before sedation.",
    )

    # Statement of interpreter (domain.md 5.3).
    interpreter_used = models.BooleanField(default=False)
    interpreter_name = models.CharField(max_length=200, blank=True)
    interpreter_language = models.CharField(max_length=100, blank=True)
    interpreter_statement = models.BooleanField(
        "the interpreter confirms the statement",
        default=False,
        help_text="I have interpreted the information to the patient as well as I can, in a way they can understand.",
    )

    # Statement of patient and signatures.
    patient_copy = models.CharField("copy of the form offered", max_length=10, choices=PatientCopy.choices, blank=True)
    signature_method = models.CharField(max_length=10, choices=SignatureMethod.choices, blank=True, editable=False)
    patient_signature = models.BinaryField(null=True, blank=True, editable=False)  # PNG drawn on screen
    patient_typed_name = models.CharField(max_length=200, blank=True, editable=False)  # TYPED signatures
    paper_scan = models.FileField(upload_to="consent/scans/", blank=True, editable=False)
    paper_scan_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    witness_name = models.CharField(max_length=200, blank=True, editable=False)
    witness_signature = models.BinaryField(null=True, blank=True, editable=False)
    patient_signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    clinician_name = models.CharField(max_length=200, blank=True, editable=False)
    clinician_job_title = models.CharField(max_length=100, blank=True, editable=False)
    clinician_registration = models.CharField(max_length=20, blank=True, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # Leaflet as given, copied at signing so a later edit of the library cannot change the record.
    leaflet_title = models.CharField(max_length=200, blank=True, editable=False)
    leaflet_version = models.CharField(max_length=30, blank=True, editable=False)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pathway", "created_at"], name="consent_pathway_created_idx"),
            # Worklists ask "does this pathway have a signed current consent?" (dashboard.selectors).
            models.Index(
                fields=["pathway", "id"],
                condition=Q(superseded_by__isnull=True, signed_at__isnull=False),
                name="consent_standing_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(clinician__isnull=False, patient_signed_at__isnull=False),
                name="consent_signed_has_signatures",
            ),
            # At most one draft, and at most one signed consent in force, per pathway and procedure:
            # a new consent supersedes the previous one (design.md 6), so two starts at once cannot
            # leave two drafts, whatever the timing (design.md 9).
            models.UniqueConstraint(
                fields=["pathway", "procedure_name"],
                condition=Q(signed_at__isnull=True, superseded_by__isnull=True),
                name="consent_one_draft_per_pathway",
            ),
            models.UniqueConstraint(
                fields=["pathway", "procedure_name"],
                condition=Q(signed_at__isnull=False, superseded_by__isnull=True),
                name="consent_one_standing_per_pathway",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} ({self.get_form_type_display().split(':')[0]}, {self.state_label})"

    # -- derived facts ------------------------------------------------------------------------------
    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def withdrawal_or_none(self) -> ConsentWithdrawal | None:
        try:
            return self.withdrawal
        except ConsentWithdrawal.DoesNotExist:
            return None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawal_or_none is not None

    @property
    def latest_confirmation(self) -> ConsentConfirmation | None:
        confirmations = getattr(self, "_prefetched_objects_cache", {}).get("confirmations")
        if confirmations is not None:
            return max(confirmations, key=lambda c: (c.confirmed_at, c.pk), default=None)
        return self.confirmations.order_by("-confirmed_at", "-id").first()

    @property
    def state(self) -> str:
        if self.is_withdrawn:
            return "withdrawn"
        if not self.is_signed:
            return "draft"
        if self.latest_confirmation is not None:
            return "confirmed"
        return "signed"

    @property
    def state_label(self) -> str:
        return {"draft": "draft", "signed": "signed", "confirmed": "confirmed on the day", "withdrawn": "withdrawn"}[
            self.state
        ]

    @property
    def levels_display(self) -> str:
        return ", ".join(sort_levels(self.levels)) or "no levels recorded"

    @property
    def procedure_title(self) -> str:
        levels = sort_levels(self.levels)
        if not levels:
            return self.procedure_name
        joined = levels[0] if len(levels) == 1 else ", ".join(levels[:-1]) + " and " + levels[-1]
        return f"{self.procedure_name} {joined}"

    def valid_until(self, validity_days: int) -> datetime.date | None:
        if not self.signed_at:
            return None
        return timezone.localdate(self.signed_at) + datetime.timedelta(days=validity_days)

    def alternatives_display(self) -> list[str]:
        return [Alternative(v).label for v in self.alternatives if v in Alternative.values]

    def extra_procedures_display(self) -> list[str]:
        labels = [ExtraProcedure(v).label for v in self.extra_procedures if v in ExtraProcedure.values]
        if self.extra_procedures_other:
            labels.append(self.extra_procedures_other)
        return labels

    def anaesthesia_display(self) -> list[str]:
        return [Anaesthesia(v).label for v in self.anaesthesia if v in Anaesthesia.values]

    def clean(self):
        errors = {}
        unknown = [v for v in self.levels if v not in Level.values]
        if unknown:
            errors["levels"] = f"Unknown level(s): {', '.join(map(str, unknown))}."
        for name, choices in (
            ("alternatives", Alternative),
            ("extra_procedures", ExtraProcedure),
            ("anaesthesia", Anaesthesia),
        ):
            if any(v not in choices.values for v in getattr(self, name)):
                errors[name] = "Unknown choice."
        if self.interpreter_used and not self.interpreter_name.strip():
            errors["interpreter_name"] = "Give the interpreter's name."
        if self.leaflet_id and not self.leaflet_given_on:
            errors["leaflet_given_on"] = "Give the date the leaflet was given."
        if self.leaflet_given_on and self.leaflet_given_on > timezone.localdate():
            errors["leaflet_given_on"] = "The date cannot be in the future."
        if errors:
            raise ValidationError(errors)


def sort_levels(levels) -> list[str]:
    return sorted((v for v in levels if v in Level.values), key=Level.sort_key)


class ExplainedRisk(ClinicalRecord):
    """A risk as explained to this patient: a copy of the library wording and frequency at the time."""

    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="explained_risks")
    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="+")
    risk_version = models.ForeignKey(RiskVersion, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    patient_wording = models.TextField()
    frequency_numbers = models.CharField(max_length=200)
    frequency_band = models.CharField(max_length=20, choices=FrequencyBand.choices)
    source = models.CharField(max_length=300)
    discussed = models.BooleanField(default=False)
    not_discussed_reason = models.CharField(
        "why not discussed", max_length=300, blank=True, help_text="For example: the patient declined the detail."
    )
    patient_note = models.TextField("note for this patient", blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["consent", "risk"], name="explainedrisk_unique_risk")]

    def __str__(self) -> str:
        return self.name

    @property
    def frequency_words(self) -> str:
        return self.get_frequency_band_display()

    @property
    def accounted_for(self) -> bool:
        return self.discussed or bool(self.not_discussed_reason.strip())

    def clean(self):
        if self.discussed and self.not_discussed_reason.strip():
            raise ValidationError({"not_discussed_reason": "A discussed risk needs no reason for not discussing it."})


class ConsentConfirmation(ClinicalRecord):
    """Stage 2: confirmation on the day by the operator, before sedation (domain.md 5.6 [R45][R43])."""

    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="confirmations")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by_name = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(default=timezone.now)
    no_further_questions = models.BooleanField("the patient has no further questions", default=False)
    wishes_to_proceed = models.BooleanField("the patient still wishes to go ahead", default=False)
    risks_rediscussed = models.BooleanField("the risks were gone through again", default=False)
    changes_noted = models.TextField("any change since signing", blank=True)
    # Capacity re-checked at confirmation (domain.md 5.6 [A][R45]; MCA 2005 s.2-3, domain.md 5.5).
    has_capacity_today = models.BooleanField("the patient has capacity for this decision today", null=True)
    capacity_how = models.TextField("how capacity was checked", blank=True)
    # Someone other than the named operator: a delegate with a justification (domain.md 10).
    delegation_reason = models.TextField("why the named operator is not confirming", blank=True)
    # A trainee does not confirm alone (domain.md 10): the consultant supervising them.
    supervised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="supervising consultant",
    )

    class Meta:
        ordering = ["confirmed_at", "id"]

    def __str__(self) -> str:
        return f"Confirmed {self.confirmed_at:%d %b %Y %H:%M} by {self.confirmed_by_name}"


class WithdrawalTiming(models.TextChoices):
    BEFORE = "before", "Before the procedure"
    DURING = "during", "During the procedure"


class WithdrawnBy(models.TextChoices):
    PATIENT = "patient", "The patient"
    ATTORNEY = "attorney", "Attorney or deputy"
    DECISION_MAKER = "decision_maker", "Best-interests decision maker"


class ConsentWithdrawal(ClinicalRecord):
    """Consent withdrawn at any time, including after signing (domain.md 5.7 [R46][R37][R42])."""

    consent = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.CharField("who withdrew consent", max_length=20, choices=WithdrawnBy.choices)
    timing = models.CharField("when", max_length=10, choices=WithdrawalTiming.choices)
    reason = models.TextField("reason given")
    actions_taken = models.TextField("actions taken", blank=True)
    safe_stop_point = models.TextField(
        "where the procedure was stopped safely", blank=True, help_text="When withdrawn during the procedure."
    )
    signed_by_patient = models.BooleanField("the patient signed the withdrawal", default=False)
    recorded_by_name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"Withdrawn {self.withdrawn_at:%d %b %Y %H:%M}"

    def clean(self):
        if self.timing == WithdrawalTiming.DURING and not self.safe_stop_point.strip():
            raise ValidationError({"safe_stop_point": "Say where the procedure was stopped safely."})


class DocumentEvent(models.TextChoices):
    SIGNED = "signed", "Signed"
    CONFIRMED = "confirmed", "Confirmed on the day"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentDocument(models.Model):
    """A PDF rendered at a consent event and stored as rendered (never re-rendered or changed).

    The file is the consent record (its first `record_length` bytes, whose SHA-256 is `record_sha256`
    and is printed on the verification page) followed by an appended update that writes that hash
    onto the verification page. `file_sha256` is the hash of the whole stored file.
    """

    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="documents")
    event = models.CharField(max_length=10, choices=DocumentEvent.choices)
    event_at = models.DateTimeField()
    file = models.FileField(upload_to="consent/pdf/%Y/%m/")
    record_sha256 = models.CharField(max_length=64)
    record_length = models.PositiveIntegerField()
    file_sha256 = models.CharField(max_length=64)
    pages = models.PositiveSmallIntegerField()
    rendered_at = models.DateTimeField(default=timezone.now)
    rendered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["event_at", "id"]
        constraints = [models.UniqueConstraint(fields=["consent", "event", "event_at"], name="document_unique_event")]

    def __str__(self) -> str:
        return f"Consent {self.consent_id} PDF ({self.get_event_display().lower()})"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Stored consent PDFs are never deleted.")
