"""Suitability assessment: NICE TA279 criteria, contraindications, MDT decision (domain.md 2).

Field rules live here (validators, clean(), constraints); the gate in pathway/suitability/gates.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from pathway.core.choices import Level
from pathway.core.fields import staff_user_field
from pathway.core.models import (
    ClinicalRecord,
    Pathway,
    check_choices,
)
from pathway.outcomes import DisabilityScores
from pathway.validators import not_in_future, pain_score_validators


class SuitabilityOutcome(models.TextChoices):
    SUITABLE = "suitable", "Suitable"
    NOT_SUITABLE = "not_suitable", "Not suitable"
    NEEDS_IMAGING = "needs_imaging", "Needs imaging"
    NEEDS_MDT = "needs_mdt", "Needs MDT discussion"


class Mobility(models.TextChoices):
    INDEPENDENT = "independent", "Independent"
    AID = "aid", "Walks with an aid"
    BED_BOUND = "bed_bound", "Bed-bound"


class NeuroExam(models.TextChoices):
    NORMAL = "normal", "Normal"
    ABNORMAL = "abnormal", "Abnormal"


class BoneHealthPlan(models.TextChoices):
    REFERRED = "referred", "Referred to the fracture liaison / osteoporosis service"
    ALREADY_TREATED = "already_treated", "Already on bone-protection treatment"
    DECLINED = "declined", "Offered and declined"


# Contraindications: Radiopaedia summary of SIR/ACR/CIRSE via domain.md 2.2 [S][R12].
ABSOLUTE_CONTRAINDICATIONS = [
    ("systemic_infection", "Septicaemia or active systemic infection"),
    ("osteomyelitis", "Active osteomyelitis or discitis of the target vertebra"),
    ("uncorrectable_coagulopathy", "Uncorrectable coagulopathy"),
    ("cement_allergy", "Allergy to bone cement (PMMA) or the opacifying agent"),
]
RELATIVE_CONTRAINDICATIONS = [
    ("radiculopathy", "Radiculopathy from compression not related to the collapse"),
    ("retropulsion_neuro", "Retropulsed fragment or epidural tumour with neurological compromise"),
    ("current_infection", "Current systemic infection (not septic)"),
    ("improving", "Improving on medical therapy"),
    ("prophylaxis", "Prophylaxis only (no fracture to treat)"),
    ("myelopathy", "Myelopathy or cauda equina syndrome from the fracture level"),
    ("pregnancy", "Pregnancy"),
    ("severe_collapse", "Severe collapse / vertebra plana"),
]
# SIR failure of medical therapy, quoted by a payer policy: domain.md 2.1 [S][R15].
CONSERVATIVE_FAILURE_REASONS = [
    ("pain_persists", "Pain persists despite optimal analgesia"),
    ("non_ambulatory", "Non-ambulatory because of pain"),
    ("no_physio", "Pain makes physiotherapy impossible"),
    ("side_effects", "Unacceptable side effects of analgesia"),
]


class SuitabilityAssessment(ClinicalRecord, DisabilityScores):
    """NICE TA279 1.1 criteria and the fields of domain.md 2.3, recorded by a radiologist.

    It also holds the outcome baseline (domain.md 8.2): pain at rest and on activity, and the ODI (or
    RMDQ), against which the 4-week follow-up measures the change."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="suitability")
    assessed_on = models.DateField(default=timezone.localdate, validators=[not_in_future])
    pain_score = models.PositiveSmallIntegerField(
        "pain score (NRS 0-10)", validators=pain_score_validators(), help_text="0 = no pain, 10 = worst imaginable."
    )
    pain_at_level_on_exam = models.BooleanField(
        "pain at the fracture level on examination", default=False, help_text="NICE TA279 1.1: required."
    )
    exam_findings = models.TextField("examination findings", blank=True)
    suspected_levels = models.JSONField(default=list, blank=True)
    conservative_treatment = models.TextField(
        "conservative treatment tried", blank=True, help_text="Drugs, doses, start and duration, physiotherapy."
    )
    conservative_failure_reasons = models.JSONField("why conservative treatment failed", default=list, blank=True)
    mobility = models.CharField(max_length=20, choices=Mobility.choices, blank=True)
    neuro_exam = models.CharField("neurological examination", max_length=10, choices=NeuroExam.choices)
    neuro_exam_details = models.TextField(
        "neurological findings", blank=True, help_text="Lower-limb power and sensation, reflexes, sphincters."
    )
    absolute_contraindications = models.JSONField(default=list, blank=True)
    relative_contraindications = models.JSONField(default=list, blank=True)
    relative_justification = models.TextField(
        "justification for going ahead despite relative contraindications", blank=True
    )
    mdt_on = models.DateField("MDT discussion date", null=True, blank=True, validators=[not_in_future])
    mdt_radiologist = models.CharField("MDT radiologist", max_length=200, blank=True)
    # Chosen from the staff list (issue 16): the user, when on this system; the name above is printed.
    mdt_radiologist_user = staff_user_field("MDT radiologist (user)")
    mdt_spinal_surgeon = models.CharField("MDT spinal surgeon", max_length=200, blank=True)
    mdt_oncologist = models.CharField("MDT oncologist (malignant disease)", max_length=200, blank=True)
    spinal_surgery_access = models.BooleanField("access to a spinal surgery service documented", default=False)
    bone_health_plan = models.CharField(max_length=20, choices=BoneHealthPlan.choices, blank=True)
    bone_health_details = models.TextField("bone-health details", blank=True)
    outcome = models.CharField(max_length=20, choices=SuitabilityOutcome.choices)
    outcome_notes = models.TextField(blank=True)
    # The outcome baseline (domain.md 8.2: rest and activity pain recorded separately [R76c]); the
    # disability instrument and its answers come from DisabilityScores.
    baseline_pain_rest = models.PositiveSmallIntegerField(
        "baseline pain at rest (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    baseline_pain_activity = models.PositiveSmallIntegerField(
        "baseline pain on activity (0-10)", null=True, blank=True, validators=pain_score_validators()
    )
    # Who decides (domain.md 2.3 "role must be consultant radiologist"; domain.md 10): a consultant's
    # save is the decision; a trainee's save is a draft (decided_by cleared) for a consultant to confirm.
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        verbose_name="decision recorded by (consultant)",
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "suitability assessment"

    def __str__(self) -> str:
        return f"Suitability assessment for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        check_choices(self.suspected_levels, Level.choices, "suspected_levels", errors)
        check_choices(
            self.conservative_failure_reasons, CONSERVATIVE_FAILURE_REASONS, "conservative_failure_reasons", errors
        )
        check_choices(self.absolute_contraindications, ABSOLUTE_CONTRAINDICATIONS, "absolute_contraindications", errors)
        check_choices(self.relative_contraindications, RELATIVE_CONTRAINDICATIONS, "relative_contraindications", errors)
        if "suspected_levels" not in errors and not self.suspected_levels:
            errors["suspected_levels"] = "Choose at least one suspected level."
        if self.neuro_exam == NeuroExam.ABNORMAL and not self.neuro_exam_details.strip():
            errors["neuro_exam_details"] = "Describe the abnormal neurological findings."
        if self.mdt_on is None and (self.mdt_radiologist or self.mdt_spinal_surgeon or self.mdt_oncologist):
            errors["mdt_on"] = "Give the date of the MDT discussion."
        referral = getattr(self.pathway, "referral_received_on", None) if self.pathway_id else None
        if referral and self.assessed_on and self.assessed_on < referral:
            errors["assessed_on"] = "The assessment cannot be before the referral was received."
        if errors:
            raise ValidationError(errors)

    @property
    def is_draft(self) -> bool:
        """A trainee's draft not yet confirmed by a consultant radiologist (domain.md 10)."""
        return self.decided_by_id is None

    def absolute_labels(self) -> list[str]:
        labels = dict(ABSOLUTE_CONTRAINDICATIONS)
        return [labels[c] for c in self.absolute_contraindications if c in labels]

    def relative_labels(self) -> list[str]:
        labels = dict(RELATIVE_CONTRAINDICATIONS)
        return [labels[c] for c in self.relative_contraindications if c in labels]

    def suspected_levels_display(self) -> str:
        return ", ".join(sorted(self.suspected_levels, key=Level.sort_key))

    def baseline_missing(self) -> list[str]:
        """What the outcome baseline still lacks (domain.md 8.2)."""
        missing = []
        if self.baseline_pain_rest is None or self.baseline_pain_activity is None:
            missing.append("The baseline pain, at rest and on activity, is not recorded.")
        disability = self.disability_missing()
        if disability:
            missing.append(f"Baseline: {disability[0].lower()}{disability[1:]}")
        return missing
