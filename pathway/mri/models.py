"""MRI review: the scan and its per-level findings (domain.md 3)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from pathway.core.choices import Level
from pathway.core.fields import staff_user_field
from pathway.core.models import (
    ClinicalRecord,
    Pathway,
    decimal_range,
)
from pathway.core.querysets import NoHardDeleteQuerySet
from pathway.validators import not_in_future


class ImagingModality(models.TextChoices):
    MRI = "mri", "MRI"
    CT = "ct", "CT"
    BONE_SCAN = "bone_scan", "Bone scan"
    SPECT_CT = "spect_ct", "SPECT-CT"
    RADIOGRAPH = "radiograph", "Radiograph"


class MriScan(ClinicalRecord):
    """The imaging review that confirms which vertebrae are fractured and unhealed (domain.md 3)."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="mri")
    modality = models.CharField(max_length=20, choices=ImagingModality.choices, default=ImagingModality.MRI)
    safety_screen_done = models.BooleanField("MRI safety screen done", default=False)
    scanned_on = models.DateField("scan date", validators=[not_in_future])
    accession_number = models.CharField(max_length=30)
    reported_by = models.CharField(max_length=200)
    # Chosen from the staff list (issue 16): the user, when on this system; the name above is printed.
    reported_by_user = staff_user_field("reported by (user)")
    report = models.TextField()

    class Meta:
        verbose_name = "MRI review"

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.scanned_on:%d %b %Y} for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.modality == ImagingModality.MRI and not self.safety_screen_done:
            errors["safety_screen_done"] = "An MRI needs the MRI safety screen."
        request = getattr(self.pathway, "mri_request", None) if self.pathway_id else None
        if request is not None and self.scanned_on and self.scanned_on < request.requested_on:
            errors["scanned_on"] = f"The scan cannot be before the request ({request.requested_on:%-d %b %Y})."
        if errors:
            raise ValidationError(errors)


class MriRequest(ClinicalRecord):
    """The imaging request: the 6-week diagnostic wait runs from its date to the scan (domain.md 3
    metric, domain.md 9 diagnostic wait [A][R82]), not from the day the pathway reached this stage."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="mri_request")
    requested_on = models.DateField("date the imaging was requested", validators=[not_in_future])
    requested_by = models.CharField(max_length=200)
    # Chosen from the staff list (issue 16): the user, when on this system; the name above is printed.
    requested_by_user = staff_user_field("requested by (user)")
    modality = models.CharField(max_length=20, choices=ImagingModality.choices, default=ImagingModality.MRI)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "imaging request"

    def __str__(self) -> str:
        return f"{self.get_modality_display()} requested {self.requested_on:%d %b %Y} for pathway {self.pathway_id}"

    def clean(self):
        referral = getattr(self.pathway, "referral_received_on", None) if self.pathway_id else None
        if referral and self.requested_on and self.requested_on < referral:
            raise ValidationError({"requested_on": "The request cannot be before the referral was received."})
        scan = getattr(self.pathway, "mri", None) if self.pathway_id else None
        if scan is not None and scan.pk and self.requested_on and self.requested_on > scan.scanned_on:
            raise ValidationError({"requested_on": "The request cannot be after the scan."})


class Oedema(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    INDETERMINATE = "indeterminate", "Indeterminate"


class T1Signal(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"


class PosteriorWall(models.TextChoices):
    INTACT = "intact", "Intact"
    BREACHED = "breached", "Breached"
    UNKNOWN = "unknown", "Unknown"


class MalignancyFeatures(models.TextChoices):
    NONE = "none", "None"
    SUSPICIOUS = "suspicious", "Suspicious"
    KNOWN = "known", "Known malignancy"


class MriLevelFindingQuerySet(NoHardDeleteQuerySet):
    def treatable(self):
        """Unhealed (oedema on STIR) and concordant with the examination: NICE TA279 1.1 [A][R1]."""
        return self.filter(oedema=Oedema.PRESENT, concordant_with_exam=True)


class MriLevelFinding(ClinicalRecord):
    """One vertebral level on one scan; each level once (domain.md 3)."""

    scan = models.ForeignKey(MriScan, on_delete=models.PROTECT, related_name="findings")
    level = models.CharField(max_length=3, choices=Level.choices)
    # Acute fracture: T1 low, STIR high [S][R23].
    oedema = models.CharField("oedema on STIR", max_length=15, choices=Oedema.choices)
    t1_signal = models.CharField("T1 signal", max_length=10, choices=T1Signal.choices, blank=True)
    height_loss_pct = models.DecimalField(
        "height loss (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=decimal_range("0", "100", "%"),
    )
    posterior_wall = models.CharField(max_length=10, choices=PosteriorWall.choices, default=PosteriorWall.INTACT)
    retropulsion_mm = models.DecimalField(
        "retropulsion (mm)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=decimal_range("0", "30", "mm"),
    )
    canal_compromise_pct = models.DecimalField(
        "canal compromise (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=decimal_range("0", "100", "%"),
    )
    intravertebral_cleft = models.BooleanField(default=False)  # leak risk factor [E][R47]
    cortical_disruption = models.BooleanField(default=False)  # leak risk factor [E][R47]
    malignancy_features = models.CharField(
        max_length=12, choices=MalignancyFeatures.choices, default=MalignancyFeatures.NONE
    )
    concordant_with_exam = models.BooleanField("concordant with the examination", default=False)

    objects = MriLevelFindingQuerySet.as_manager()

    class Meta:
        verbose_name = "MRI level finding"
        constraints = [
            models.UniqueConstraint(fields=["scan", "level"], name="mri_finding_level_once_per_scan"),
            models.CheckConstraint(
                condition=Q(height_loss_pct__isnull=True) | Q(height_loss_pct__gte=0, height_loss_pct__lte=100),
                name="mri_finding_height_loss_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: oedema {self.get_oedema_display().lower()}"

    @property
    def treatable(self) -> bool:
        return self.oedema == Oedema.PRESENT and self.concordant_with_exam

    @property
    def remaining_height_pct(self) -> Decimal | None:
        return None if self.height_loss_pct is None else Decimal(100) - self.height_loss_pct
