"""The 4-week follow-up: pain, ODI, analgesia, new fractures (domain.md 8)."""

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
    Pathway,
    PathwayStatus,
)
from pathway.core.querysets import NoHardDeleteQuerySet
from pathway.outcomes import DisabilityInstrument, DisabilityScores
from pathway.validators import not_in_future, pain_score_validators


class FollowUpQuerySet(NoHardDeleteQuerySet):
    """Follow-up worklists (design.md 5: collection filters are QuerySet methods)."""

    def pending(self):
        return self.filter(completed_at__isnull=True, pathway__status=PathwayStatus.OPEN)

    def done(self):
        return self.filter(completed_at__isnull=False)

    def not_yet_due(self, today: datetime.date):
        return self.pending().filter(window_opens_on__gt=today)

    def due(self, today: datetime.date):
        """Inside the window: from window_opens_on to window_closes_on inclusive."""
        return self.pending().filter(window_opens_on__lte=today, window_closes_on__gte=today)

    def overdue(self, today: datetime.date):
        """Past the end of the window and not done (domain.md 8.1: overdue at due + 14 days)."""
        return self.pending().filter(window_closes_on__lt=today)


class FollowUpMethod(models.TextChoices):
    CLINIC = "clinic", "Clinic"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video"


class AnalgesicUse(models.TextChoices):
    # By class, as VERTOS IV reported (domain.md 8.2 [E][R20]).
    NONE = "none", "None"
    NON_OPIOID = "non_opioid", "Non-opioid only"
    WEAK_OPIOID = "weak_opioid", "Weak opioid"
    STRONG_OPIOID = "strong_opioid", "Strong opioid"


class FollowUpOutcome(models.TextChoices):
    DISCHARGED = "discharged", "Discharged from the service"
    RE_REFERRED = "re_referred", "Re-referred (opens a new pathway)"


class FollowUp(ClinicalRecord, DisabilityScores):
    """The 4-week review (domain.md 8.1-8.2), created at discharge with its due date and window.

    Pain and the disability score are measured against the baseline at suitability; the change is
    stored when the review is saved (domain.md 8.2), so the dashboard reads it without recomputing."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="follow_up")
    due_on = models.DateField(editable=False)
    window_opens_on = models.DateField(editable=False)
    window_closes_on = models.DateField(editable=False)
    reviewed_on = models.DateField(null=True, blank=True, validators=[not_in_future])
    method = models.CharField(max_length=10, choices=FollowUpMethod.choices, blank=True)
    pain_rest = models.PositiveSmallIntegerField(
        "pain at rest now (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    pain_activity = models.PositiveSmallIntegerField(
        "pain on activity now (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    analgesic_use = models.CharField(max_length=15, choices=AnalgesicUse.choices, blank=True)
    new_fracture = models.BooleanField("new vertebral fracture since the procedure", null=True, blank=True)
    new_fracture_details = models.TextField("new fracture: level, date, symptoms", blank=True)
    complications_since_discharge = models.BooleanField(
        "any complication since discharge",
        null=True,
        blank=True,
        help_text="Record each one on the complications page.",
    )
    bone_health_confirmed = models.BooleanField("bone-health plan confirmed", default=False)
    outcome = models.CharField(max_length=15, choices=FollowUpOutcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    # The change from the baseline at suitability (now - baseline: negative is better), stored at save.
    pain_rest_change = models.SmallIntegerField(null=True, blank=True, editable=False)
    pain_activity_change = models.SmallIntegerField(null=True, blank=True, editable=False)
    disability_change = models.DecimalField(
        "disability change (ODI % points or RMDQ points)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    re_referral = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "follow-up"
        indexes = [
            models.Index(fields=["completed_at", "window_closes_on"], name="follow_up_worklist_idx"),
            # The follow-up worklist: pending reviews in due order (dashboard.selectors).
            models.Index(
                fields=["due_on", "id"], condition=Q(completed_at__isnull=True), name="follow_up_pending_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_opens_on__lte=F("due_on"), window_closes_on__gte=F("due_on")),
                name="follow_up_window_around_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up for pathway {self.pathway_id}, due {self.due_on:%d %b %Y}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.new_fracture and not self.new_fracture_details.strip():
            errors["new_fracture_details"] = "Give the level, date and symptoms of the new fracture."
        if self.outcome == FollowUpOutcome.RE_REFERRED and not self.outcome_notes.strip():
            errors["outcome_notes"] = "Say why the patient is re-referred."
        # domain.md 8.1: the review belongs in its window; an earlier contact is an unscheduled one.
        if self.reviewed_on and self.window_opens_on and self.reviewed_on < self.window_opens_on:
            errors["reviewed_on"] = (
                f"The follow-up window opens on {self.window_opens_on:%-d %b %Y}: record an earlier contact "
                "as an unscheduled contact."
            )
        baseline = self.baseline
        if baseline is not None and baseline.disability_instrument != self.disability_instrument:
            used = DisabilityInstrument(baseline.disability_instrument).label
            errors["disability_instrument"] = (
                f"The baseline used the {used}: use it again so the change can be measured."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.store_change()
        super().save(*args, **kwargs)

    def store_change(self) -> None:
        """The change in pain and disability from the baseline at suitability (domain.md 8.2)."""
        baseline = self.baseline
        self.pain_rest_change = self.pain_activity_change = self.disability_change = None
        if baseline is None:
            return
        if baseline.baseline_pain_rest is not None and self.pain_rest is not None:
            self.pain_rest_change = self.pain_rest - baseline.baseline_pain_rest
        if baseline.baseline_pain_activity is not None and self.pain_activity is not None:
            self.pain_activity_change = self.pain_activity - baseline.baseline_pain_activity
        if baseline.disability_instrument == self.disability_instrument:
            before, after = baseline.disability_score, self.disability_score
            if before is not None and after is not None:
                self.disability_change = after - before

    @property
    def baseline(self):
        """The suitability assessment holding the baseline, or None."""
        if not self.pathway_id:
            return None
        return getattr(self.pathway, "suitability", None)

    def status_on(self, today: datetime.date) -> str:
        if self.completed_at:
            return "done"
        if today < self.window_opens_on:
            return "not yet due"
        if today > self.window_closes_on:
            return "overdue"
        return "due"

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def baseline_pain(self) -> int | None:
        suitability = getattr(self.pathway, "suitability", None)
        return suitability.pain_score if suitability else None

    @property
    def pain_change(self):
        """Pain on activity now against the pain score at suitability (domain.md 8.2)."""
        if self.pain_activity is None or self.baseline_pain is None:
            return None
        return scores.pain_change(baseline=self.baseline_pain, now=self.pain_activity)


class UnscheduledContact(ClinicalRecord):
    """A contact with the patient after discharge that is not the 4-week review: a telephone call
    before the window opens, a worried patient ringing in (domain.md 8.1: the review has its window;
    an early contact is recorded, and is not the follow-up)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="unscheduled_contacts")
    contacted_on = models.DateField(default=timezone.localdate, validators=[not_in_future])
    method = models.CharField(max_length=10, choices=FollowUpMethod.choices)
    reason = models.TextField("reason for the contact")
    pain_rest = models.PositiveSmallIntegerField(
        "pain at rest (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    pain_activity = models.PositiveSmallIntegerField(
        "pain on activity (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    notes = models.TextField("what was said and done", blank=True)

    class Meta:
        verbose_name = "unscheduled contact"
        ordering = ["contacted_on", "id"]

    def __str__(self) -> str:
        return f"Unscheduled contact on {self.contacted_on:%d %b %Y} for pathway {self.pathway_id}"
