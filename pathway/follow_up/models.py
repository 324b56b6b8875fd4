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
    int_range,
)
from pathway.core.querysets import NoHardDeleteQuerySet
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


# Oswestry Disability Index sections (Fairbank and Pynsent 2000, domain.md 8.2 [A-instrument][R75]).
ODI_SECTIONS = [
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life",
    "Social life",
    "Travelling",
]
ODI_ANSWER_CHOICES = [(n, str(n)) for n in range(6)]


def _odi_field(number: int):
    return models.PositiveSmallIntegerField(
        f"ODI {number}: {ODI_SECTIONS[number - 1].lower()}",
        null=True,
        blank=True,
        choices=ODI_ANSWER_CHOICES,
        validators=int_range(0, 5),
        help_text="0 = no difficulty, 5 = the worst; leave empty if the patient did not answer.",
    )


class FollowUp(ClinicalRecord):
    """The 4-week review (domain.md 8.1-8.2), created at discharge with its due date and window."""

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
    odi_1 = _odi_field(1)
    odi_2 = _odi_field(2)
    odi_3 = _odi_field(3)
    odi_4 = _odi_field(4)
    odi_5 = _odi_field(5)
    odi_6 = _odi_field(6)
    odi_7 = _odi_field(7)
    odi_8 = _odi_field(8)
    odi_9 = _odi_field(9)
    odi_10 = _odi_field(10)
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
        if errors:
            raise ValidationError(errors)

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
    def odi_answers(self) -> list[int | None]:
        return [getattr(self, f"odi_{n}") for n in range(1, 11)]

    @property
    def odi(self):
        """The scored ODI, or None when too few sections are answered to score."""
        try:
            return scores.odi(self.odi_answers)
        except scores.OdiIncomplete:
            return None

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
