"""Recovery and discharge: NEWS2 observation sets, bed rest, discharge advice (domain.md 7).
NEWS2 arithmetic is in pathway/scores.py; the discharge criteria in pathway/recovery/gates.py.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pathway import scores
from pathway.core.models import (
    ClinicalRecord,
    LegChecks,
    Pathway,
    StoredDocument,
    decimal_range,
    int_range,
)
from pathway.core.querysets import NoHardDeleteQuerySet
from pathway.validators import pain_score_validators


class OvernightReason(models.TextChoices):
    # Leaflet: patients on warfarin may stay overnight [L]; domain.md 7.2.
    WARFARIN = "warfarin", "Warfarin"
    CLINICAL = "clinical", "Clinical"
    SOCIAL = "social", "Social"


# The discharge advice checklist (domain.md 7.3 [L][I]): field name and what was explained.
DISCHARGE_ADVICE = [
    ("advice_no_driving", "No driving for 24 hours"),
    ("advice_adult_overnight", "A responsible adult stays overnight"),
    ("advice_no_aspirin", "No aspirin for 24 hours"),
    ("advice_painkillers", "Keep taking painkillers for 3 days"),
    ("advice_anticoagulants", "When to restart anticoagulant or antiplatelet medicines"),
    ("advice_warning_signs", "Warning signs and what to do"),
    ("advice_contact", "Who to call, day and night"),
    ("advice_bone_health", "Bone-health (osteoporosis) plan"),
    ("advice_follow_up", "The 4-week follow-up"),
]


class Recovery(ClinicalRecord):
    """Recovery and discharge (domain.md 7.1-7.3), with repeated observation sets."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="recovery")
    arrived_at = models.DateTimeField("arrived in recovery", default=timezone.now)
    bed_rest_started_at = models.DateTimeField("bed rest started", null=True, blank=True)
    bed_rest_ended_at = models.DateTimeField("bed rest ended", null=True, blank=True)
    first_mobilised_at = models.DateTimeField("first mobilised", null=True, blank=True)
    pain_controlled = models.BooleanField("pain controlled on oral painkillers", default=False)
    mobilised_safely = models.BooleanField(default=False)
    puncture_site_dry = models.BooleanField("puncture site dry", default=False)
    responsible_adult_confirmed = models.BooleanField(
        "a responsible adult takes the patient home and stays overnight", default=False
    )
    overnight_stay = models.BooleanField(default=False)
    overnight_reason = models.CharField(max_length=10, choices=OvernightReason.choices, blank=True)
    overnight_details = models.TextField(blank=True)
    advice_no_driving = models.BooleanField(DISCHARGE_ADVICE[0][1], default=False)
    advice_adult_overnight = models.BooleanField(DISCHARGE_ADVICE[1][1], default=False)
    advice_no_aspirin = models.BooleanField(DISCHARGE_ADVICE[2][1], default=False)
    advice_painkillers = models.BooleanField(DISCHARGE_ADVICE[3][1], default=False)
    advice_anticoagulants = models.BooleanField(DISCHARGE_ADVICE[4][1], default=False)
    advice_warning_signs = models.BooleanField(DISCHARGE_ADVICE[5][1], default=False)
    advice_contact = models.BooleanField(DISCHARGE_ADVICE[6][1], default=False)
    advice_bone_health = models.BooleanField(DISCHARGE_ADVICE[7][1], default=False)
    advice_follow_up = models.BooleanField(DISCHARGE_ADVICE[8][1], default=False)
    advice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    advice_given_at = models.DateTimeField(null=True, blank=True, editable=False)
    discharged_at = models.DateTimeField(null=True, blank=True, editable=False)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "recovery and discharge"
        verbose_name_plural = "recoveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(bed_rest_started_at__isnull=True)
                | Q(bed_rest_ended_at__isnull=True)
                | Q(bed_rest_ended_at__gt=F("bed_rest_started_at")),
                name="recovery_bed_rest_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Recovery for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        start, end = self.bed_rest_started_at, self.bed_rest_ended_at
        if end and not start:
            errors["bed_rest_started_at"] = "Give the time bed rest started."
        if start and end and end <= start:
            errors["bed_rest_ended_at"] = "Bed rest must end after it started."
        if self.first_mobilised_at and end and self.first_mobilised_at < end:
            errors["first_mobilised_at"] = "The patient was mobilised before bed rest ended."
        now = timezone.now() + datetime.timedelta(minutes=5)
        for name in ("bed_rest_started_at", "bed_rest_ended_at", "first_mobilised_at"):
            value = getattr(self, name)
            if value and value > now:
                errors[name] = "This time is in the future."
        if self.overnight_stay and not self.overnight_reason:
            errors["overnight_reason"] = "Give the reason for the overnight stay."
        if self.overnight_reason and not self.overnight_stay:
            errors["overnight_stay"] = "A reason is given: tick the overnight stay."
        if errors:
            raise ValidationError(errors)

    @property
    def bed_rest_duration(self) -> datetime.timedelta | None:
        if self.bed_rest_started_at and self.bed_rest_ended_at:
            return self.bed_rest_ended_at - self.bed_rest_started_at
        return None

    def advice_missing(self) -> list[str]:
        return [label for name, label in DISCHARGE_ADVICE if not getattr(self, name)]


class PunctureSite(models.TextChoices):
    DRY = "dry", "Dry"
    OOZING = "oozing", "Oozing"
    HAEMATOMA = "haematoma", "Haematoma"


class ObservationSet(LegChecks, ClinicalRecord):
    """One set of observations in recovery: NEWS2 (computed), legs, pain, puncture site (domain.md 7.2)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="observations")
    taken_at = models.DateTimeField(default=timezone.now)
    respiration_rate = models.PositiveSmallIntegerField("respiration rate (/min)", validators=int_range(0, 80, "/min"))
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)", validators=int_range(50, 100, "%"))
    spo2_scale = models.PositiveSmallIntegerField(
        "SpO₂ scale",
        choices=[(1, "Scale 1"), (2, "Scale 2 (prescribed target 88-92%)")],
        default=1,
        help_text="Scale 2 only for hypercapnic respiratory failure with a prescribed target.",
    )
    on_oxygen = models.BooleanField("on oxygen", default=False)
    oxygen_l_min = models.DecimalField(
        "oxygen (L/min)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=decimal_range("0.5", "15", "L/min"),
    )
    systolic_bp = models.PositiveSmallIntegerField("systolic BP (mmHg)", validators=int_range(40, 300, "mmHg"))
    diastolic_bp = models.PositiveSmallIntegerField(
        "diastolic BP (mmHg)", null=True, blank=True, validators=int_range(20, 200, "mmHg")
    )
    pulse = models.PositiveSmallIntegerField("pulse (/min)", validators=int_range(20, 250, "/min"))
    consciousness = models.CharField(
        max_length=1,
        choices=[("A", "Alert"), ("C", "New confusion"), ("V", "Voice"), ("P", "Pain"), ("U", "Unresponsive")],
        default="A",
    )
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=3, decimal_places=1, validators=decimal_range("30", "43", "°C")
    )
    pain_nrs = models.PositiveSmallIntegerField(
        "pain (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    # Lower-limb power and sensation (LegChecks): compared with the pre-procedure baseline (domain.md 7.1 [I]).
    puncture_site = models.CharField(max_length=10, choices=PunctureSite.choices, blank=True)

    class Meta:
        verbose_name = "observation set"
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"Observations at {timezone.localtime(self.taken_at):%H:%M}: NEWS2 {self.news2.total}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.oxygen_l_min is not None and not self.on_oxygen:
            errors["on_oxygen"] = "An oxygen flow is given: tick 'on oxygen'."
        if self.diastolic_bp and self.systolic_bp and self.diastolic_bp >= self.systolic_bp:
            errors["diastolic_bp"] = "The diastolic pressure must be below the systolic."
        if self.taken_at and self.taken_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["taken_at"] = "This time is in the future."
        self.check_legs(errors)
        if errors:
            raise ValidationError(errors)

    @property
    def news2(self):
        cached = getattr(self, "_news2", None)
        if cached is None:
            cached = scores.news2(
                respiration_rate=self.respiration_rate,
                spo2=self.spo2,
                on_oxygen=self.on_oxygen,
                systolic_bp=self.systolic_bp,
                pulse=self.pulse,
                consciousness=self.consciousness,
                temperature=self.temperature_c,
                spo2_scale=scores.SpO2Scale(self.spo2_scale),
            )
            self._news2 = cached
        return cached


class LegReviewOutcome(models.TextChoices):
    SAFE_TO_DISCHARGE = "safe", "Reviewed: safe to go home"
    INVESTIGATE = "investigate", "Needs imaging or a specialist opinion before any discharge"
    ADMIT = "admit", "Admit"


class LegReview(ClinicalRecord):
    """A doctor's review after leg power or sensation fell below the pre-procedure baseline: who
    reviewed, when, and the outcome (domain.md 7.2: any deterioration -> urgent escalation [I];
    canal or foraminal leak risk [E][R49]). Discharge needs one after the latest fall."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="leg_reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="reviewed by (doctor)"
    )
    reviewed_at = models.DateTimeField("reviewed at", default=timezone.now)
    outcome = models.CharField(max_length=20, choices=LegReviewOutcome.choices)
    findings = models.TextField("findings and plan")

    class Meta:
        verbose_name = "medical review of the legs"
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"Leg review at {timezone.localtime(self.reviewed_at):%H:%M}: {self.get_outcome_display()}"

    def clean(self):
        if self.reviewed_at and self.reviewed_at > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError({"reviewed_at": "This time is in the future."})
        if not self.findings.strip():
            raise ValidationError({"findings": "Give the findings and the plan."})


class EscalationOutcome(models.TextChoices):
    REVIEWED = "reviewed", "Reviewed; recovery continues with closer observations"
    TREATED = "treated", "Treated; observations improving"
    HIGHER_CARE = "higher_care", "Moved to a higher level of care"
    ADMITTED = "admitted", "Admitted to a ward"


class Escalation(ClinicalRecord):
    """An urgent or emergency NEWS2 response (RCP Chart 4 [A][R70], domain.md 7.1), opened by the
    observation set that triggered it and closed when the nurse records who was called, when, and
    the outcome. Discharge waits until every escalation is closed (pathway/recovery/gates.py)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="escalations")
    observation = models.OneToOneField(ObservationSet, on_delete=models.PROTECT, related_name="escalation")
    news2_total = models.PositiveSmallIntegerField(editable=False)
    band = models.CharField(max_length=10, editable=False)
    called_who = models.CharField("who was called (name and role)", max_length=200, blank=True)
    called_at = models.DateTimeField("when they were called", null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=EscalationOutcome.choices, blank=True)
    outcome_notes = models.TextField("what was done", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "NEWS2 escalation"
        ordering = ["observation__taken_at", "id"]

    def __str__(self) -> str:
        return f"NEWS2 {self.news2_total} escalation for recovery {self.recovery_id}"

    @property
    def band_label(self) -> str:
        return "emergency" if self.band == scores.ResponseBand.HIGH else "urgent"

    def clean(self):
        errors: dict[str, str] = {}
        if not self.called_who.strip():
            errors["called_who"] = "Say who was called."
        if self.called_at is None:
            errors["called_at"] = "Say when they were called."
        elif self.observation_id and self.called_at < self.observation.taken_at - datetime.timedelta(minutes=5):
            errors["called_at"] = "The call cannot be before the observations that triggered it."
        elif self.called_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["called_at"] = "This time is in the future."
        if not self.outcome:
            errors["outcome"] = "Record the outcome."
        if errors:
            raise ValidationError(errors)


class DischargeSheet(StoredDocument):
    """The discharge advice sheet as printed at the discharge, stored with its SHA-256 and served as
    stored (design.md 9: reading never writes; the document is made when its event happens)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="discharge_sheets")
    file = models.FileField(upload_to="discharge/%Y/%m/")

    objects = NoHardDeleteQuerySet.as_manager()
    never_deleted_message = "Stored discharge sheets are never deleted."

    def __str__(self) -> str:
        return f"Discharge sheet of pathway {self.recovery.pathway_id} ({self.rendered_at:%Y-%m-%d %H:%M})"
