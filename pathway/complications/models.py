"""Complications, from the procedure to 12 months after (domain.md 6.4 and 8.1), graded CIRSE or SIR."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pathway.core import providers
from pathway.core.choices import Level
from pathway.core.models import (
    ClinicalRecord,
    Pathway,
)


class DetectedAt(models.TextChoices):
    PROCEDURE = "procedure", "During the procedure"
    RECOVERY = "recovery", "In recovery"
    FOLLOW_UP = "follow_up", "At follow-up"
    LATE = "late", "After follow-up (within 12 months)"


class GradeSystem(models.TextChoices):
    CIRSE = "cirse", "CIRSE 2017"
    SIR = "sir", "SIR (legacy A-F)"


# Adverse-event grades (domain.md 6.4 [A][R83][R84]), in short form.
CIRSE_GRADES = [
    ("1", "1: dealt with during the same procedure"),
    ("2", "2: unplanned stay under 48 h, no extra treatment"),
    ("3", "3: extra treatment or a stay over 48 h, no lasting effect"),
    ("4", "4: mild lasting effect"),
    ("5", "5: severe lasting effect needing help in daily life"),
    ("6", "6: death"),
]
SIR_GRADES = [
    ("A", "A: no treatment, no consequence"),
    ("B", "B: nominal treatment or observation"),
    ("C", "C: treatment, stay under 48 h"),
    ("D", "D: major treatment, higher level of care, or a stay of 48 h or more"),
    ("E", "E: permanent lasting effect"),
    ("F", "F: death"),
]
GRADES = {GradeSystem.CIRSE: CIRSE_GRADES, GradeSystem.SIR: SIR_GRADES}
# Major: CIRSE 3 or more, SIR C or more (domain.md 6.4).
MAJOR_GRADES = {"3", "4", "5", "6", "C", "D", "E", "F"}


class ComplicationOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ONGOING = "ongoing", "Ongoing"
    LASTING = "lasting", "Resolved with a lasting effect"
    DIED = "died", "Died"


class Complication(ClinicalRecord):
    """An adverse event, from the procedure to 12 months after (domain.md 6.4 and 8.1).

    Whether the risk was on the patient's consent is looked up in the consent snapshot, never typed.
    """

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="complications")
    risk = models.ForeignKey(
        "consent.Risk",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="type",
        help_text="From the risk library; leave empty and describe it below if it is not listed.",
    )
    other_type = models.CharField("other type", max_length=200, blank=True)
    onset_at = models.DateTimeField("onset")
    detected_at_stage = models.CharField("detected", max_length=10, choices=DetectedAt.choices)
    related_level = models.CharField(max_length=3, choices=Level.choices, blank=True)
    grade_system = models.CharField(max_length=5, choices=GradeSystem.choices, default=GradeSystem.CIRSE)
    grade = models.CharField(max_length=1)
    management = models.TextField()
    outcome = models.CharField(max_length=10, choices=ComplicationOutcome.choices)
    reported_incident_system = models.BooleanField("reported on the incident system (LFPSE/Datix)", default=False)
    reported_mhra = models.BooleanField("reported to the MHRA (device problem)", default=False)

    class Meta:
        ordering = ["onset_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_system="cirse", grade__in=["1", "2", "3", "4", "5", "6"])
                | Q(grade_system="sir", grade__in=["A", "B", "C", "D", "E", "F"]),
                name="complication_grade_in_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_display} ({self.get_grade_system_display()} {self.grade})"

    def clean(self):
        errors: dict[str, str] = {}
        if self.risk_id and self.other_type.strip():
            errors["other_type"] = "Choose a type from the list or describe another, not both."
        elif not self.risk_id and not self.other_type.strip():
            errors["other_type"] = "Choose a type from the list, or describe it here."
        if self.grade not in dict(GRADES.get(self.grade_system, [])):
            errors["grade"] = "Choose a grade of the chosen grading system."
        if self.onset_at and self.onset_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["onset_at"] = "The onset cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def type_display(self) -> str:
        return str(self.risk) if self.risk_id else self.other_type

    @property
    def grade_display(self) -> str:
        return dict(GRADES.get(self.grade_system, [])).get(self.grade, self.grade)

    @property
    def is_major(self) -> bool:
        return self.grade in MAJOR_GRADES

    @property
    def on_consent(self) -> bool | None:
        """Was this risk explained on the patient's consent? None: not a library risk, or no consent."""
        if not self.risk_id:
            return None
        return providers.consent().risk_on_consent(self.pathway, self.risk.code)
