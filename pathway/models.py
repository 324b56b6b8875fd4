"""Patients, their pathways, and the audit rows every pathway keeps.

Stage records (suitability, MRI, pre-assessment, procedure, recovery, follow-up) hang off `Pathway`
with `related_name` equal to their `Stage` value. Stage movement lives in pathway/workflow.py only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pathway.anticoagulation import DRUG_CHOICES, DRUGS, OTHER, HoldPlan, cockcroft_gault, hold_plan
from pathway.querysets import PathwayQuerySet, PatientQuerySet
from pathway.validators import not_in_future, validate_nhs_number


class Stage(models.TextChoices):
    """The pathway's stages in order (design.md section 4)."""

    REFERRAL = "referral", "Referral"
    SUITABILITY = "suitability", "Suitability assessment"
    MRI = "mri", "MRI review"
    PRE_ASSESSMENT = "pre_assessment", "Pre-assessment"
    CONSENT = "consent", "Consent"
    PROCEDURE = "procedure", "Procedure"
    RECOVERY = "recovery", "Recovery and discharge"
    FOLLOW_UP = "follow_up", "4-week follow-up"

    @classmethod
    def ordered(cls) -> list[Stage]:
        return list(cls)

    @property
    def index(self) -> int:
        return list(Stage).index(self)


class ExitState(models.TextChoices):
    """How a pathway ended (domain.md 1.1 exit states, plus normal completion)."""

    COMPLETED = "completed", "Completed (discharged after follow-up)"
    NOT_SUITABLE = "not_suitable", "Not suitable"
    PATIENT_DECLINED = "patient_declined", "Patient declined"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    DEFERRED_UNFIT = "deferred_unfit", "Deferred (unfit)"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    TREATED_ELSEWHERE = "treated_elsewhere", "Treated elsewhere"
    DECEASED = "deceased", "Deceased"
    RESOLVED_CONSERVATIVELY = "resolved_conservatively", "Resolved conservatively"


class Level(models.TextChoices):
    """Vertebral levels treated by this service: T1-L5 and the sacrum (domain.md section 0)."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    T10 = "T10"
    T11 = "T11"
    T12 = "T12"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    S = "S", "Sacrum"

    @classmethod
    def sort_key(cls, value: str) -> int:
        return list(cls.values).index(value)


class NoHardDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionDenied("Clinical records are never deleted; close or correct them instead.")


class ClinicalRecord(models.Model):
    """Base for every clinical row: history, optimistic version, no hard delete.

    `version` is checked by the save service: a form opened before someone else saved is refused.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    history = HistoricalRecords(inherit=True)

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Clinical records are never deleted; close or correct them instead.")


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other / not stated"


class Patient(ClinicalRecord):
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        unique=True,
        validators=[validate_nhs_number],
        help_text="10 digits; spaces are allowed when typing.",
    )
    hospital_number = models.CharField(max_length=20, unique=True)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[not_in_future])
    sex = models.CharField(max_length=10, choices=Sex.choices)
    phone = models.CharField(max_length=30, blank=True)
    gp_practice = models.CharField("GP practice", max_length=200, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="patient_name_idx"),
            models.Index(fields=["given_name"], name="patient_given_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else n

    def age_on(self, day: datetime.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class ReferrerType(models.TextChoices):
    GP = "gp", "GP"
    CONSULTANT = "consultant", "Hospital consultant"
    ED = "ed", "Emergency department"
    OTHER = "other", "Other"


class Aetiology(models.TextChoices):
    OSTEOPOROTIC = "osteoporotic", "Osteoporotic"
    MYELOMA = "myeloma", "Myeloma"
    METASTATIC = "metastatic", "Metastatic"
    HAEMANGIOMA = "haemangioma", "Haemangioma"
    TRAUMATIC = "traumatic", "Traumatic"
    OTHER = "other", "Other"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class PathwayStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Pathway(ClinicalRecord):
    """One episode of care, from referral to follow-up. A new fracture is a new pathway.

    The referral fields live here (the referral stage is the pathway itself); domain.md 2.3.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="pathways")
    # Referral (domain.md 2.3; the referral date starts the 18-week RTT clock, RTT rules suite [R80]).
    referral_received_on = models.DateField(
        "referral received", validators=[not_in_future], help_text="Starts the 18-week clock."
    )
    referrer_type = models.CharField(max_length=20, choices=ReferrerType.choices)
    referrer_name = models.CharField("referrer", max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200)
    aetiology = models.CharField(max_length=20, choices=Aetiology.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    symptom_onset_on = models.DateField("symptom onset", null=True, blank=True, validators=[not_in_future])
    responsible_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consultant_pathways",
        null=True,
        blank=True,
    )
    planned_procedure_on = models.DateField("planned procedure date", null=True, blank=True)

    # State: written only by pathway.workflow.
    current_stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.REFERRAL, editable=False, db_index=True
    )
    status = models.CharField(max_length=10, choices=PathwayStatus.choices, default=PathwayStatus.OPEN, editable=False)
    stage_entered_at = models.DateTimeField(default=timezone.now, editable=False)
    exit_state = models.CharField(max_length=30, choices=ExitState.choices, blank=True, editable=False)
    exit_reason = models.TextField(blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PathwayQuerySet.as_manager()

    class Meta:
        ordering = ["-referral_received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "current_stage"], name="pathway_status_stage_idx"),
            models.Index(fields=["referral_received_on"], name="pathway_referral_idx"),
            models.Index(fields=["planned_procedure_on"], name="pathway_planned_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", exit_state="") | Q(status="closed") & ~Q(exit_state=""),
                name="pathway_exit_state_iff_closed",
            ),
        ]
        permissions = [
            ("record_referral", "Can record a referral"),
            ("record_suitability", "Can record a suitability assessment"),
            ("record_mri", "Can record an MRI review"),
            ("record_pre_assessment", "Can record a pre-assessment"),
            ("record_consent", "Can record consent"),
            ("record_procedure", "Can record a procedure"),
            ("record_recovery", "Can record recovery and discharge"),
            ("record_follow_up", "Can record a follow-up"),
            ("close_pathway", "Can close a pathway with an exit state"),
            ("override_gate", "Can override a blocking gate with a written reason"),
            ("reopen_pathway", "Can reopen a closed pathway"),
            ("view_dashboard", "Can view the service dashboard"),
            ("export_pathways", "Can export the pathway list as CSV"),
        ]

    def __str__(self) -> str:
        return f"Pathway {self.pk} ({self.get_aetiology_display()}, referred {self.referral_received_on:%d %b %Y})"

    @property
    def stage(self) -> Stage:
        return Stage(self.current_stage)

    @property
    def is_open(self) -> bool:
        return self.status == PathwayStatus.OPEN

    @property
    def weeks_waited(self) -> int:
        end = self.closed_at.date() if self.closed_at else timezone.localdate()
        return (end - self.referral_received_on).days // 7

    @property
    def fracture_age_days(self) -> int | None:
        if not self.symptom_onset_on:
            return None
        return (timezone.localdate() - self.symptom_onset_on).days


class StageTransition(models.Model):
    """Append-only log of every movement of a pathway, written by workflow in the same transaction."""

    class Kind(models.TextChoices):
        OPEN = "open", "Opened"
        ADVANCE = "advance", "Advanced"
        CLOSE = "close", "Closed"
        REOPEN = "reopen", "Reopened"

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="transitions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    exit_state = models.CharField(max_length=30, choices=ExitState.choices, blank=True)
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    overridden = models.BooleanField(default=False)
    overridden_reasons = models.JSONField(default=list, blank=True)

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["pathway", "at"], name="transition_pathway_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_stage or '-'} -> {self.to_stage or self.exit_state}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The transition log is append-only.")


class PatientAccess(models.Model):
    """Who opened which patient's record, and when (design.md section 9)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="accesses")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "patient accesses"
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at_idx")]

    def __str__(self) -> str:
        return f"{self.user} opened patient {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The access log is append-only.")


class Rule(models.Model):
    """A configurable clinical threshold, with its unit, evidence tag and source (domain.md 1.2).

    Seeded by migration; editable in the admin with history. Gates read these, never a literal.
    """

    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=30)
    evidence_tag = models.CharField(max_length=20, help_text="[A], [E], [S], [I], [U], [L] (domain.md section 0)")
    source = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label}: {self.value} {self.unit}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Rules are edited, never deleted.")


def rule_value(key: str) -> Decimal:
    """Current value of a rule. Raises Rule.DoesNotExist for an unknown key (a programming error)."""
    return Rule.objects.only("value").get(key=key).value


def rule_values() -> dict[str, Decimal]:
    """Every rule in one query, for code that reads several thresholds."""
    return dict(Rule.objects.values_list("key", "value"))


# --- before the procedure: suitability, MRI, pre-assessment (issue 3) ----------------------------
# Field rules live here (validators, clean(), constraints); gates in pathway/workflow.py.


def _decimal_range(low: str, high: str, unit: str):
    from django.core.validators import MaxValueValidator, MinValueValidator

    message = f"Enter a value between {low} and {high} {unit}".strip() + "."
    return [
        MinValueValidator(Decimal(low), message=message),
        MaxValueValidator(Decimal(high), message=message),
    ]


def _int_range(low: int, high: int, unit: str = ""):
    from django.core.validators import MaxValueValidator, MinValueValidator

    message = f"Enter a value between {low} and {high} {unit}".strip() + "."
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def _check_choices(values, choices, field: str, errors: dict) -> None:
    allowed = {value for value, _label in choices}
    if not isinstance(values, list) or any(v not in allowed for v in values):
        errors[field] = "Choose only from the listed options."


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


class SuitabilityAssessment(ClinicalRecord):
    """NICE TA279 1.1 criteria and the fields of domain.md 2.3, recorded by a radiologist."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="suitability")
    assessed_on = models.DateField(default=timezone.localdate, validators=[not_in_future])
    pain_score = models.PositiveSmallIntegerField(
        "pain score (NRS 0-10)", validators=_int_range(0, 10), help_text="0 = no pain, 10 = worst imaginable."
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
    mdt_spinal_surgeon = models.CharField("MDT spinal surgeon", max_length=200, blank=True)
    mdt_oncologist = models.CharField("MDT oncologist (malignant disease)", max_length=200, blank=True)
    spinal_surgery_access = models.BooleanField("access to a spinal surgery service documented", default=False)
    bone_health_plan = models.CharField(max_length=20, choices=BoneHealthPlan.choices, blank=True)
    bone_health_details = models.TextField("bone-health details", blank=True)
    outcome = models.CharField(max_length=20, choices=SuitabilityOutcome.choices)
    outcome_notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "suitability assessment"

    def __str__(self) -> str:
        return f"Suitability assessment for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        _check_choices(self.suspected_levels, Level.choices, "suspected_levels", errors)
        _check_choices(
            self.conservative_failure_reasons, CONSERVATIVE_FAILURE_REASONS, "conservative_failure_reasons", errors
        )
        _check_choices(
            self.absolute_contraindications, ABSOLUTE_CONTRAINDICATIONS, "absolute_contraindications", errors
        )
        _check_choices(
            self.relative_contraindications, RELATIVE_CONTRAINDICATIONS, "relative_contraindications", errors
        )
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

    def absolute_labels(self) -> list[str]:
        labels = dict(ABSOLUTE_CONTRAINDICATIONS)
        return [labels[c] for c in self.absolute_contraindications if c in labels]

    def relative_labels(self) -> list[str]:
        labels = dict(RELATIVE_CONTRAINDICATIONS)
        return [labels[c] for c in self.relative_contraindications if c in labels]

    def suspected_levels_display(self) -> str:
        return ", ".join(sorted(self.suspected_levels, key=Level.sort_key))


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
    report = models.TextField()

    class Meta:
        verbose_name = "MRI review"

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.scanned_on:%d %b %Y} for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.modality == ImagingModality.MRI and not self.safety_screen_done:
            errors["safety_screen_done"] = "An MRI needs the MRI safety screen."
        if errors:
            raise ValidationError(errors)


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
        validators=_decimal_range("0", "100", "%"),
    )
    posterior_wall = models.CharField(max_length=10, choices=PosteriorWall.choices, default=PosteriorWall.INTACT)
    retropulsion_mm = models.DecimalField(
        "retropulsion (mm)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_decimal_range("0", "30", "mm"),
    )
    canal_compromise_pct = models.DecimalField(
        "canal compromise (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_decimal_range("0", "100", "%"),
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


class AsaGrade(models.IntegerChoices):
    I = 1, "ASA I"  # noqa: E741
    II = 2, "ASA II"
    III = 3, "ASA III"
    IV = 4, "ASA IV"
    V = 5, "ASA V"
    VI = 6, "ASA VI"


class EcgResult(models.TextChoices):
    NORMAL = "normal", "Normal"
    ABNORMAL_ACCEPTABLE = "abnormal_acceptable", "Abnormal, acceptable"
    ABNORMAL_REFER = "abnormal_refer", "Abnormal, refer"


class PregnancyStatus(models.TextChoices):
    """domain.md 4.4; checked on the day for women of childbearing potential (NICE NG45 1.3) [A][R30]."""

    NOT_APPLICABLE = "not_applicable", "Not applicable (male, or no childbearing potential)"
    NOT_PREGNANT_STATEMENT = "not_pregnant_statement", "Not pregnant (patient's statement)"
    TEST_NEGATIVE = "test_negative", "Pregnancy test negative"
    POSSIBLY_PREGNANT = "possibly_pregnant", "Possibly pregnant"
    PREGNANT = "pregnant", "Pregnant"


SEDATION_RISK_FACTORS = [
    ("osa", "Obstructive sleep apnoea"),
    ("copd", "COPD"),
    ("frailty", "Frailty"),
    ("opioid_tolerance", "Opioid tolerance"),
    ("difficult_airway", "Difficult airway"),
]


class PreAssessment(ClinicalRecord):
    """Nurse-led pre-assessment: bloods, ECG, medicines, allergies, escort (domain.md 4.2-4.4).

    The planned procedure date stays on Pathway.planned_procedure_on; the pre-assessment form sets it.
    """

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="pre_assessment")
    assessed_on = models.DateField(default=timezone.localdate, validators=[not_in_future])
    # Bloods, each with its sample date (SIR 2019 via domain.md 4.2 [S][R24][R26c]).
    hb_g_l = models.DecimalField(
        "haemoglobin (g/L)",
        max_digits=4,
        decimal_places=0,
        null=True,
        blank=True,
        validators=_decimal_range("30", "250", "g/L"),
    )
    hb_sampled_on = models.DateField("haemoglobin sample date", null=True, blank=True, validators=[not_in_future])
    platelets = models.PositiveIntegerField(
        "platelets (x10^9/L)", null=True, blank=True, validators=_int_range(1, 2000, "x10^9/L")
    )
    platelets_sampled_on = models.DateField("platelets sample date", null=True, blank=True, validators=[not_in_future])
    platelet_correction_plan = models.TextField(
        "platelet correction plan", blank=True, help_text="Needed when platelets are below the minimum."
    )
    inr = models.DecimalField(
        "INR", max_digits=3, decimal_places=1, null=True, blank=True, validators=_decimal_range("0.5", "9.9", "")
    )
    inr_sampled_on = models.DateField("INR sample date", null=True, blank=True, validators=[not_in_future])
    creatinine_umol_l = models.PositiveIntegerField(
        "creatinine (µmol/L)", null=True, blank=True, validators=_int_range(10, 2000, "µmol/L")
    )
    egfr = models.PositiveSmallIntegerField(
        "eGFR (mL/min/1.73m²)", null=True, blank=True, validators=_int_range(1, 150, "mL/min/1.73m²")
    )
    renal_sampled_on = models.DateField(
        "creatinine and eGFR sample date", null=True, blank=True, validators=[not_in_future]
    )
    # ECG and sedation (NICE NG45 [A][R30]; AoMRC safe sedation [A][R73]).
    ecg_done = models.BooleanField("ECG done", default=False)
    ecg_on = models.DateField("ECG date", null=True, blank=True, validators=[not_in_future])
    ecg_result = models.CharField("ECG result", max_length=20, choices=EcgResult.choices, blank=True)
    asa_grade = models.PositiveSmallIntegerField("ASA grade", choices=AsaGrade.choices)
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_decimal_range("25", "300", "kg"),
    )
    sedation_risk_factors = models.JSONField(default=list, blank=True)
    fasting_instructions_given = models.BooleanField(default=False)
    # Allergies: "no known allergies" must be explicit; PMMA allergy blocks (domain.md 4.4 [S][R12][R86]).
    no_known_allergies = models.BooleanField("no known allergies", default=False)
    # Antithrombotics: explicit "none taken", or one row per medicine (domain.md 4.3).
    no_antithrombotics = models.BooleanField("takes no anticoagulant or antiplatelet medicine", default=False)
    recent_coronary_stent = models.BooleanField(
        "recent coronary stent on dual antiplatelet therapy",
        default=False,
        help_text="Do not stop antiplatelets without cardiology advice.",
    )
    medicines_reconciled = models.BooleanField("medicines reconciliation done", default=False)
    diabetic_plan = models.TextField("diabetes plan", blank=True)
    # Pregnancy, capacity, communication (domain.md 4.4).
    pregnancy_status = models.CharField(max_length=30, choices=PregnancyStatus.choices, blank=True)
    breastfeeding = models.BooleanField(default=False)
    capacity_concern = models.BooleanField("concern about capacity to consent", default=False)
    capacity_concern_details = models.TextField(blank=True)
    interpreter_required = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=100, blank=True)
    communication_needs = models.TextField("other communication needs", blank=True)
    # Leaflet facts [L]: lying prone, someone overnight, no driving for 24 h.
    can_lie_prone = models.BooleanField("able to lie prone for 30-60 minutes", default=False)
    escort_confirmed = models.BooleanField("escort and overnight carer confirmed", default=False)
    transport_home_arranged = models.BooleanField("transport home arranged (not driving)", default=False)

    class Meta:
        verbose_name = "pre-assessment"

    def __str__(self) -> str:
        return f"Pre-assessment for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        _check_choices(self.sedation_risk_factors, SEDATION_RISK_FACTORS, "sedation_risk_factors", errors)
        planned = self.pathway.planned_procedure_on if self.pathway_id else None
        for value, date_field, label in (
            ("hb_g_l", "hb_sampled_on", "haemoglobin"),
            ("platelets", "platelets_sampled_on", "platelets"),
            ("inr", "inr_sampled_on", "INR"),
            ("creatinine_umol_l", "renal_sampled_on", "creatinine"),
        ):
            if getattr(self, value) is not None and getattr(self, date_field) is None:
                errors[date_field] = f"Give the date the {label} sample was taken."
            sampled = getattr(self, date_field)
            if sampled and planned and sampled > planned:
                errors[date_field] = "The sample date cannot be after the planned procedure date."
        if self.egfr is not None and self.renal_sampled_on is None:
            errors["renal_sampled_on"] = "Give the date the eGFR sample was taken."
        if self.ecg_done and (self.ecg_on is None or not self.ecg_result):
            errors["ecg_on" if self.ecg_on is None else "ecg_result"] = "Give the ECG date and result."
        if not self.ecg_done and (self.ecg_on or self.ecg_result):
            errors["ecg_done"] = "Tick 'ECG done' or clear the ECG date and result."
        if self.capacity_concern and not self.capacity_concern_details.strip():
            errors["capacity_concern_details"] = "Describe the concern about capacity."
        if self.interpreter_required and not self.interpreter_language.strip():
            errors["interpreter_language"] = "Give the language the interpreter is needed for."
        if errors:
            raise ValidationError(errors)

    @property
    def has_pmma_allergy(self) -> bool:
        """PMMA bone cement allergy: an absolute contraindication (domain.md 2.2 [S][R12])."""
        return any(a.allergen == Allergen.PMMA for a in self.allergies.all())

    @property
    def crcl_ml_min(self) -> Decimal | None:
        """Cockcroft-Gault creatinine clearance on the planned date (or today), when the inputs exist."""
        if self.weight_kg is None or self.creatinine_umol_l is None:
            return None
        patient = self.pathway.patient
        day = self.pathway.planned_procedure_on or timezone.localdate()
        return cockcroft_gault(
            age=patient.age_on(day), weight_kg=self.weight_kg, sex=patient.sex, creatinine_umol_l=self.creatinine_umol_l
        )


class Allergen(models.TextChoices):
    # The allergens every vertebroplasty pre-assessment asks about: domain.md 4.4 [S][R12][R86].
    PMMA = "pmma", "Bone cement (PMMA)"
    CONTRAST = "contrast", "Contrast / iodine"
    LOCAL_ANAESTHETIC = "local_anaesthetic", "Local anaesthetic"
    SEDATIVES_OPIOIDS = "sedatives_opioids", "Sedatives or opioids"
    ANTIBIOTICS = "antibiotics", "Antibiotics"
    LATEX = "latex", "Latex"
    OTHER = "other", "Other"


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe (anaphylaxis)"


class CurrentRowsManager(models.Manager.from_queryset(NoHardDeleteQuerySet)):
    """Rows of a record minus those marked entered in error (kept, with their history, never deleted)."""

    def get_queryset(self):
        return super().get_queryset().filter(entered_in_error=False)


class Allergy(ClinicalRecord):
    pre_assessment = models.ForeignKey(PreAssessment, on_delete=models.PROTECT, related_name="allergies")
    allergen = models.CharField(max_length=20, choices=Allergen.choices)
    details = models.CharField(max_length=200, blank=True, help_text="Which drug or product, when 'other'.")
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=AllergySeverity.choices, blank=True)
    entered_in_error = models.BooleanField(default=False, editable=False)

    objects = CurrentRowsManager()
    all_rows = NoHardDeleteQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.details if self.allergen == Allergen.OTHER and self.details else self.get_allergen_display()

    def clean(self):
        if self.allergen == Allergen.OTHER and not self.details.strip():
            raise ValidationError({"details": "Name the allergen."})


class AntithromboticMedicine(ClinicalRecord):
    """One anticoagulant or antiplatelet medicine; its hold plan is computed by pathway.anticoagulation."""

    pre_assessment = models.ForeignKey(PreAssessment, on_delete=models.PROTECT, related_name="medicines")
    drug = models.CharField(max_length=30, choices=DRUG_CHOICES)
    other_drug_name = models.CharField("drug name (if not listed)", max_length=100, blank=True)
    dose = models.CharField(max_length=100, blank=True)
    indication = models.CharField(max_length=200, blank=True)
    clinician_plan = models.TextField(
        "clinician's written plan",
        blank=True,
        help_text="Required for a drug not in the table, when kidney function is below the drug's limit, "
        "or after a recent coronary stent.",
    )
    entered_in_error = models.BooleanField(default=False, editable=False)

    objects = CurrentRowsManager()
    all_rows = NoHardDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "anticoagulant or antiplatelet medicine"

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        rule = DRUGS.get(self.drug)
        return rule.name if rule else (self.other_drug_name or "unlisted drug")

    @property
    def plan(self) -> HoldPlan:
        """The hold and restart plan for the planned date; recomputed whenever the date moves."""
        pre = self.pre_assessment
        return hold_plan(
            drug=self.drug,
            procedure_on=pre.pathway.planned_procedure_on,
            crcl=pre.crcl_ml_min,
            recent_stent=pre.recent_coronary_stent,
            name=self.other_drug_name,
        )

    @property
    def has_plan(self) -> bool:
        """A rule-computed plan, or a clinician's written plan where the table cannot decide."""
        plan = self.plan
        if plan.needs_written_plan:
            return bool(self.clinician_plan.strip())
        return plan.computed

    def clean(self):
        if self.drug not in DRUGS and self.drug != OTHER:
            raise ValidationError({"drug": "Choose a drug from the list, or 'other'."})
        if self.drug == OTHER and not self.other_drug_name.strip():
            raise ValidationError({"other_drug_name": "Name the drug."})
