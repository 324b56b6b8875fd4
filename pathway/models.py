"""Patients, their pathways, and the audit rows every pathway keeps.

Stage records (suitability, MRI, pre-assessment, procedure, recovery, follow-up) hang off `Pathway`
with `related_name` equal to their `Stage` value. Stage movement lives in pathway/workflow.py only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, Q
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


def stage_order():
    """Stages in pathway order (not alphabetical), for sorting: the pathway list's "stage" column
    (pathway.filters) and the index pathway_stage_order_idx, which must use this same expression."""
    return models.Case(
        *[models.When(current_stage=s.value, then=models.Value(s.index)) for s in Stage], default=models.Value(99)
    )


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
            # Worklists (dashboard.selectors.SPECS): open pathways at a stage in each list's order, so a
            # list's first rows are read in order from the index rather than sorting the whole stage.
            models.Index(
                fields=["current_stage", "stage_entered_at", "id"],
                condition=Q(status="open"),
                name="pathway_open_stage_entered_idx",
            ),
            models.Index(
                fields=["current_stage", "planned_procedure_on", "stage_entered_at", "id"],
                condition=Q(status="open"),
                name="pathway_open_stage_planned_idx",
            ),
            models.Index(
                fields=["-priority", "referral_received_on", "id"],
                condition=Q(status="open", current_stage__in=["referral", "suitability"]),
                name="pathway_open_triage_idx",
            ),
            models.Index(
                fields=["stage_entered_at", "id"],
                condition=Q(status="open", current_stage__in=["suitability", "mri", "pre_assessment"]),
                name="pathway_open_decision_idx",
            ),
            # The pathway list sorted by stage (either direction) reads its page from this index.
            models.Index(stage_order(), "id", name="pathway_stage_order_idx"),
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
        validators=_decimal_range("0", "100", "%%"),
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
        validators=_decimal_range("0", "100", "%%"),
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


# --- the day and after: procedure, safety checklist, recovery, follow-up (issue 5) ---------------
# Field rules here; the checklist order, the level-against-consent check and the discharge and
# completion gates are in pathway/workflow.py; NEWS2 and ODI arithmetic in pathway/scores.py.


class Anaesthesia(models.TextChoices):
    # The leaflets describe local anaesthetic with IV sedation [L]; domain.md 6.2.
    LA = "la", "Local anaesthetic only"
    LA_SEDATION = "la_sedation", "Local anaesthetic with IV conscious sedation"
    GA = "ga", "General anaesthetic"


class Position(models.TextChoices):
    PRONE = "prone", "Prone"
    OTHER = "other", "Other"


GUIDANCE_CHOICES = [
    ("fluoro_single", "Fluoroscopy, single plane"),
    ("fluoro_biplane", "Fluoroscopy, biplane"),
    ("ct", "CT"),
    ("ct_fluoro", "CT fluoroscopy"),
    ("cone_beam_ct", "Cone-beam CT"),
]


class DapUnit(models.TextChoices):
    """Units a dose-area product is read off in; stored as entered, shown in Gy·cm² (domain.md 6.2)."""

    GY_CM2 = "Gy.cm2", "Gy·cm²"
    CGY_CM2 = "cGy.cm2", "cGy·cm²"
    MGY_CM2 = "mGy.cm2", "mGy·cm²"
    UGY_M2 = "uGy.m2", "µGy·m²"


# 1 cGy·cm² = 0.01 Gy·cm²; 1 mGy·cm² = 0.001 Gy·cm²; 1 µGy·m² = 1e-6 Gy x 1e4 cm² = 0.01 Gy·cm².
DAP_TO_GY_CM2: dict[str, Decimal] = {
    DapUnit.GY_CM2: Decimal("1"),
    DapUnit.CGY_CM2: Decimal("0.01"),
    DapUnit.MGY_CM2: Decimal("0.001"),
    DapUnit.UGY_M2: Decimal("0.01"),
}


def dap_in_gy_cm2(value: Decimal, unit: str) -> Decimal:
    return (Decimal(value) * DAP_TO_GY_CM2[unit]).quantize(Decimal("0.001"))


_SEDATION_UNITS = {"mg", "micrograms"}


def _check_sedation_drugs(drugs, errors: dict) -> None:
    """Each dose: {"drug", "dose", "unit" (mg or micrograms), "route", "time" (HH:MM)}."""
    if not isinstance(drugs, list):
        errors["sedation_drugs"] = "Sedation drugs must be a list."
        return
    for dose in drugs:
        if (
            not isinstance(dose, dict)
            or not str(dose.get("drug", "")).strip()
            or dose.get("unit") not in _SEDATION_UNITS
            or not str(dose.get("route", "")).strip()
        ):
            errors["sedation_drugs"] = "Each sedation dose needs a drug, a dose in mg or micrograms, and a route."
            return
        try:
            if Decimal(str(dose.get("dose"))) <= 0:
                raise ValueError
            datetime.time.fromisoformat(str(dose.get("time")))
        except (ValueError, ArithmeticError):
            errors["sedation_drugs"] = "Each sedation dose needs a positive dose and a time (HH:MM)."
            return


class Procedure(ClinicalRecord):
    """The procedure record (domain.md 6.2), with its safety checklist answers and treated levels.

    Created at the sign in (the first thing the team records on the day) and completed through the day.
    """

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="procedure")
    # Team (AoMRC: one trained person whose only job is to monitor the sedated patient [A][R73]).
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    operator_registration = models.CharField("operator's GMC number", max_length=20, blank=True)
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sedation_monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Monitors the sedated patient and does nothing else.",
    )
    radiographer = models.CharField(max_length=200, blank=True)
    scrub_nurse = models.CharField(max_length=200, blank=True)
    # Pregnancy status checked again on the day (NICE NG45 1.3 via domain.md 6.1 [A][R30]).
    pregnancy_status_on_day = models.CharField(
        "pregnancy status today", max_length=30, choices=PregnancyStatus.choices, blank=True
    )
    anaesthesia = models.CharField(max_length=20, choices=Anaesthesia.choices, default=Anaesthesia.LA_SEDATION)
    sedation_drugs = models.JSONField(default=list, blank=True)
    reversal_agent_used = models.BooleanField("reversal agent used", default=False)
    local_anaesthetic = models.CharField(
        max_length=200, blank=True, help_text="Drug, strength and volume, e.g. lidocaine 1% 10 mL."
    )
    antibiotic = models.CharField("antibiotic prophylaxis (drug and dose)", max_length=200, blank=True)
    antibiotic_given_at = models.DateTimeField("antibiotic given at", null=True, blank=True)
    position = models.CharField(max_length=10, choices=Position.choices, default=Position.PRONE)
    guidance = models.JSONField("imaging guidance", default=list, blank=True)
    started_at = models.DateTimeField("start", null=True, blank=True)
    ended_at = models.DateTimeField("end", null=True, blank=True)
    biopsy_taken = models.BooleanField(default=False)
    biopsy_level = models.CharField(max_length=3, choices=Level.choices, blank=True)
    # Post-procedure CT confirms the cement position [L]; reviewed before discharge (domain.md 7.3).
    post_ct_done = models.BooleanField("post-procedure CT done", default=False)
    post_ct_findings = models.TextField(
        "post-procedure CT findings", blank=True, help_text="Cement position, leaks, cement in the lungs, other."
    )
    post_ct_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="post-procedure CT reviewed by",
    )
    post_ct_leak_needs_action = models.BooleanField("the CT shows a leak needing action", default=False)
    # Dose (IR(ME)R via domain.md 6.2 [A][R31]): fluoroscopy time in seconds, DAP with its unit.
    fluoroscopy_seconds = models.DecimalField(
        "fluoroscopy time (seconds)",
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_decimal_range("0", "36000", "seconds"),
    )
    dap_value = models.DecimalField(
        "dose-area product",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_decimal_range("0", "100000000", ""),
    )
    dap_unit = models.CharField("DAP unit", max_length=10, choices=DapUnit.choices, blank=True)
    reference_air_kerma_mgy = models.DecimalField(
        "reference air kerma (mGy)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_decimal_range("0", "1000000", "mGy"),
    )
    notes = models.TextField(blank=True)
    # A consultant may go ahead with a closed sign-in check, with a written reason (design.md 4).
    sign_in_override_reason = models.TextField(blank=True, editable=False)
    sign_in_overridden_reasons = models.JSONField(default=list, blank=True, editable=False)
    sign_in_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    sign_in_overridden_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "procedure"
        constraints = [
            models.CheckConstraint(
                condition=Q(dap_value__isnull=True) | ~Q(dap_unit=""), name="procedure_dap_has_unit"
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True) | Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="procedure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Procedure for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        _check_choices(self.guidance, GUIDANCE_CHOICES, "guidance", errors)
        _check_sedation_drugs(self.sedation_drugs, errors)
        if self.started_at and self.ended_at and self.ended_at <= self.started_at:
            errors["ended_at"] = "The end must be after the start."
        now = timezone.now()
        for name in ("started_at", "ended_at", "antibiotic_given_at"):
            value = getattr(self, name)
            if value and value > now + datetime.timedelta(minutes=5):
                errors[name] = "This time is in the future."
        if self.dap_value is not None and not self.dap_unit:
            errors["dap_unit"] = "Give the unit the dose-area product was read in."
        if self.biopsy_taken and not self.biopsy_level:
            errors["biopsy_level"] = "Say which level the biopsy was taken from."
        if self.antibiotic_given_at and not self.antibiotic.strip():
            errors["antibiotic"] = "Name the antibiotic and dose."
        if self.anaesthesia == Anaesthesia.LA and self.sedation_drugs:
            errors["sedation_drugs"] = "Sedation drugs are recorded, but the anaesthesia is local only."
        if (self.post_ct_findings.strip() or self.post_ct_reviewed_by_id) and not self.post_ct_done:
            errors["post_ct_done"] = "Tick that the post-procedure CT was done."
        if errors:
            raise ValidationError(errors)

    @property
    def dap_gy_cm2(self) -> Decimal | None:
        if self.dap_value is None or not self.dap_unit:
            return None
        return dap_in_gy_cm2(self.dap_value, self.dap_unit)

    @property
    def fluoroscopy_display(self) -> str:
        """Stored in seconds, shown as minutes:seconds (domain.md 6.2)."""
        if self.fluoroscopy_seconds is None:
            return ""
        total = int(self.fluoroscopy_seconds.to_integral_value())
        return f"{total // 60}:{total % 60:02d}"

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.started_at and self.ended_at:
            return self.ended_at - self.started_at
        return None

    @property
    def procedure_day(self) -> datetime.date:
        if self.started_at:
            return timezone.localdate(self.started_at)
        return self.pathway.planned_procedure_on or timezone.localdate()

    def guidance_display(self) -> str:
        labels = dict(GUIDANCE_CHOICES)
        return ", ".join(labels.get(g, g) for g in self.guidance)

    # Checklist answers, read once per request (the page asks about each phase).
    def _answers(self) -> dict[tuple[str, str], SafetyChecklistItem]:
        cache = getattr(self, "_answers_cache", None)
        if cache is None:
            cache = {(a.phase, a.item): a for a in self.checklist_items.select_related("answered_by")}
            self._answers_cache = cache
        return cache

    def forget_answers(self) -> None:
        self.__dict__.pop("_answers_cache", None)

    def answers(self, phase: str) -> dict[str, SafetyChecklistItem]:
        return {item: answer for (p, item), answer in self._answers().items() if p == phase}

    def phase_complete(self, phase: str) -> bool:
        """Every item of the phase answered yes (or not applicable where that is allowed)."""
        answers = self.answers(phase)
        return all(
            item.code in answers and answers[item.code].response in item.accepted
            for item in CHECKLIST_ITEMS[ChecklistPhase(phase)]
        )

    def phase_completed_at(self, phase: str) -> datetime.datetime | None:
        if not self.phase_complete(phase):
            return None
        return max(a.answered_at for a in self.answers(phase).values())


class ChecklistPhase(models.TextChoices):
    """WHO phases (domain.md 6.1 [A][R68]): before sedation, before the needle, before leaving the room."""

    SIGN_IN = "sign_in", "Sign in"
    TIME_OUT = "time_out", "Time out"
    SIGN_OUT = "sign_out", "Sign out"

    @property
    def previous(self) -> ChecklistPhase | None:
        order = list(ChecklistPhase)
        i = order.index(self)
        return order[i - 1] if i else None


class ChecklistResponse(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "na", "Not applicable"


@dataclass(frozen=True)
class CheckItem:
    code: str
    label: str
    na_allowed: bool = False

    @property
    def accepted(self) -> set[str]:
        return {ChecklistResponse.YES, ChecklistResponse.NOT_APPLICABLE} if self.na_allowed else {ChecklistResponse.YES}


# WHO checklist adapted for vertebroplasty (domain.md 6.1 [A][R66][R67][R68][R73]; the exact NatSSIPs 2
# sequential list is unverified [U], so the items are a table here, not scattered through code).
CHECKLIST_ITEMS: dict[ChecklistPhase, tuple[CheckItem, ...]] = {
    ChecklistPhase.SIGN_IN: (
        CheckItem("identity", "Patient identity confirmed with the patient and the wristband"),
        CheckItem(
            "procedure_levels", "Procedure and vertebral levels confirmed by the patient and against the consent"
        ),
        CheckItem("consent_confirmed", "Consent confirmed today by the operator"),
        CheckItem("site_marking", "Site marked", na_allowed=True),
        CheckItem("allergies", "Allergies checked: bone cement (PMMA), contrast, local anaesthetic"),
        CheckItem("pregnancy", "Pregnancy status checked today", na_allowed=True),
        CheckItem("bloods_anticoagulants", "Blood results and anticoagulant holds checked"),
        CheckItem("airway", "Airway and aspiration risk assessed"),
        CheckItem("iv_access", "IV access in place"),
        CheckItem("monitoring", "Monitoring on: SpO₂, capnography, ECG, blood pressure; oxygen ready"),
        CheckItem("reversal_agents", "Reversal agents available"),
    ),
    ChecklistPhase.TIME_OUT: (
        CheckItem("team", "Team introduced by name and role"),
        CheckItem("patient_name", "Patient's name confirmed"),
        CheckItem("procedure_level_side", "Procedure, vertebral level(s) and side(s) confirmed"),
        CheckItem("position", "Patient positioned as planned (usually prone)"),
        CheckItem("critical_steps", "Critical steps and expected duration discussed"),
        CheckItem("imaging_displayed", "Essential imaging (MRI) displayed"),
        CheckItem("sterility", "Sterility confirmed"),
        CheckItem("antibiotic", "Antibiotic prophylaxis given within 60 minutes", na_allowed=True),
        CheckItem("cement_kit", "Cement and kit checked: product, lot and expiry"),
        CheckItem("level_on_fluoroscopy", "Level confirmed on fluoroscopy, counted from a reliable landmark"),
    ),
    ChecklistPhase.SIGN_OUT: (
        CheckItem("procedure_recorded", "Procedure recorded"),
        CheckItem("levels_treated", "Levels treated confirmed"),
        CheckItem("counts", "Counts and sharps complete"),
        CheckItem("specimens", "Specimens labelled", na_allowed=True),
        CheckItem("equipment", "Equipment problems reported", na_allowed=True),
        CheckItem("recovery_concerns", "Recovery concerns handed over (leaks seen, frequency of leg checks)"),
    ),
}
CHECK_ITEM_BY_CODE: dict[tuple[str, str], CheckItem] = {
    (phase.value, item.code): item for phase, items in CHECKLIST_ITEMS.items() for item in items
}


class SafetyChecklistItem(ClinicalRecord):
    """One answered item of the safety checklist: who answered, what, and when (domain.md 6.1)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="checklist_items")
    phase = models.CharField(max_length=10, choices=ChecklistPhase.choices)
    item = models.CharField(max_length=30)
    response = models.CharField(max_length=3, choices=ChecklistResponse.choices)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "safety checklist item"
        ordering = ["procedure", "phase", "id"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "phase", "item"], name="checklist_item_once_per_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.label} = {self.get_response_display()}"

    @property
    def label(self) -> str:
        item = CHECK_ITEM_BY_CODE.get((self.phase, self.item))
        return item.label if item else self.item

    def clean(self):
        item = CHECK_ITEM_BY_CODE.get((self.phase, self.item))
        if item is None:
            raise ValidationError({"item": "Not an item of this phase of the checklist."})
        if self.response == ChecklistResponse.NOT_APPLICABLE and not item.na_allowed:
            raise ValidationError({"response": "This item cannot be marked not applicable."})


class Approach(models.TextChoices):
    TRANSPEDICULAR = "transpedicular", "Transpedicular"
    PARAPEDICULAR = "parapedicular", "Parapedicular (extrapedicular)"
    COSTOTRANSVERSE = "costotransverse", "Costotransverse (thoracic)"
    TRANS_SOMATIC = "trans_somatic", "Trans-somatic"
    OTHER = "other", "Other"


class Laterality(models.TextChoices):
    LEFT = "left", "Unipedicular, left"
    RIGHT = "right", "Unipedicular, right"
    BIPEDICULAR = "bipedicular", "Bipedicular"


# Leak sites (domain.md 6.2 [E][R49][R50]); a leak into the canal or a foramen escalates leg checks.
LEAK_SITES = [
    ("intradiscal", "Intradiscal"),
    ("venous", "Paravertebral venous (segmental, IVC, azygos)"),
    ("epidural", "Basivertebral / epidural (spinal canal)"),
    ("foraminal", "Foraminal"),
    ("soft_tissue", "Paraspinal soft tissue"),
]
NEURO_ESCALATION_LEAKS = {"epidural", "foraminal"}


class TreatedLevel(ClinicalRecord):
    """One treated vertebra (domain.md 6.2). The level must be on the consent: see
    workflow.treated_level_reasons, which the recording service applies."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="levels")
    level = models.CharField(max_length=3, choices=Level.choices)
    approach = models.CharField(max_length=20, choices=Approach.choices, default=Approach.TRANSPEDICULAR)
    laterality = models.CharField(max_length=12, choices=Laterality.choices)
    needle_gauge = models.PositiveSmallIntegerField(
        "needle gauge (G)", validators=_int_range(8, 18, "G"), help_text="Usually 10-15 G."
    )
    cement_product = models.CharField(max_length=100, help_text="Product name; PMMA unless stated.")
    cement_lot = models.CharField("cement lot number", max_length=50)
    cement_expiry = models.DateField("cement expiry date")
    # 0 < v <= 15 mL; a warning above the rule cement_volume_warn_ml (PCE risk above 7 mL [E][R49]).
    cement_volume_ml = models.DecimalField(
        "cement volume (mL)", max_digits=4, decimal_places=1, validators=_decimal_range("0.1", "15", "mL")
    )
    leak_seen = models.BooleanField("leak seen during the procedure", default=False)
    leak_sites = models.JSONField(default=list, blank=True)
    injection_stopped_for_leak = models.BooleanField(default=False)

    class Meta:
        verbose_name = "treated level"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "level"], name="treated_level_once_per_procedure"),
            models.CheckConstraint(
                condition=Q(cement_volume_ml__gt=0, cement_volume_ml__lte=15), name="treated_level_volume_0_15"
            ),
            models.CheckConstraint(condition=Q(needle_gauge__gte=8, needle_gauge__lte=18), name="treated_level_gauge"),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.cement_volume_ml} mL"

    def clean(self):
        errors: dict[str, str] = {}
        _check_choices(self.leak_sites, LEAK_SITES, "leak_sites", errors)
        if "leak_sites" not in errors:
            if self.leak_sites and not self.leak_seen:
                errors["leak_seen"] = "Leak sites are given: tick that a leak was seen."
            elif self.leak_seen and not self.leak_sites:
                errors["leak_sites"] = "Say where the leak was."
        if self.injection_stopped_for_leak and not self.leak_seen:
            errors["injection_stopped_for_leak"] = "The injection was stopped for a leak: tick that a leak was seen."
        if self.cement_expiry and self.procedure_id:
            day = self.procedure.procedure_day
            if self.cement_expiry < day:
                errors["cement_expiry"] = f"This cement expired on {self.cement_expiry:%d %b %Y}, before the procedure."
        if errors:
            raise ValidationError(errors)

    def leak_sites_display(self) -> str:
        labels = dict(LEAK_SITES)
        return ", ".join(labels.get(s, s) for s in self.leak_sites)

    @property
    def needs_neuro_escalation(self) -> bool:
        return bool(NEURO_ESCALATION_LEAKS.intersection(self.leak_sites))

    def volume_warning(self, limit: Decimal) -> str | None:
        if self.cement_volume_ml is not None and self.cement_volume_ml > limit:
            return (
                f"{self.level}: {self.cement_volume_ml} mL is above {limit} mL, where cement reaching the lungs "
                "became more likely; watch for breathlessness and chest pain."
            )
        return None


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
        from consent.selectors import risk_on_consent

        return risk_on_consent(pathway=self.pathway, risk_code=self.risk.code)


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


class Sensation(models.TextChoices):
    NORMAL = "normal", "Normal"
    ALTERED = "altered", "Altered"


class PunctureSite(models.TextChoices):
    DRY = "dry", "Dry"
    OOZING = "oozing", "Oozing"
    HAEMATOMA = "haematoma", "Haematoma"


class ObservationSet(ClinicalRecord):
    """One set of observations in recovery: NEWS2 (computed), legs, pain, puncture site (domain.md 7.2)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="observations")
    taken_at = models.DateTimeField(default=timezone.now)
    respiration_rate = models.PositiveSmallIntegerField("respiration rate (/min)", validators=_int_range(0, 80, "/min"))
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)", validators=_int_range(50, 100, "%"))
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
        validators=_decimal_range("0.5", "15", "L/min"),
    )
    systolic_bp = models.PositiveSmallIntegerField("systolic BP (mmHg)", validators=_int_range(40, 300, "mmHg"))
    diastolic_bp = models.PositiveSmallIntegerField(
        "diastolic BP (mmHg)", null=True, blank=True, validators=_int_range(20, 200, "mmHg")
    )
    pulse = models.PositiveSmallIntegerField("pulse (/min)", validators=_int_range(20, 250, "/min"))
    consciousness = models.CharField(
        max_length=1,
        choices=[("A", "Alert"), ("C", "New confusion"), ("V", "Voice"), ("P", "Pain"), ("U", "Unresponsive")],
        default="A",
    )
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=3, decimal_places=1, validators=_decimal_range("30", "43", "°C")
    )
    pain_nrs = models.PositiveSmallIntegerField("pain (0-10)", null=True, blank=True, validators=_int_range(0, 10))
    # Lower-limb checks against the first set (domain.md 7.1 [I]): MRC power 0-5, worst of hip/knee/ankle.
    left_leg_power = models.PositiveSmallIntegerField(
        "left leg power (MRC 0-5)", null=True, blank=True, validators=_int_range(0, 5)
    )
    right_leg_power = models.PositiveSmallIntegerField(
        "right leg power (MRC 0-5)", null=True, blank=True, validators=_int_range(0, 5)
    )
    left_leg_sensation = models.CharField(max_length=10, choices=Sensation.choices, blank=True)
    right_leg_sensation = models.CharField(max_length=10, choices=Sensation.choices, blank=True)
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
        legs = [self.left_leg_power, self.right_leg_power, self.left_leg_sensation, self.right_leg_sensation]
        if any(v not in (None, "") for v in legs) and any(v in (None, "") for v in legs):
            errors["left_leg_power"] = "Record power and sensation for both legs, or leave all four empty."
        if errors:
            raise ValidationError(errors)

    @property
    def news2(self):
        from pathway import scores

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

    @property
    def has_leg_checks(self) -> bool:
        return self.left_leg_power is not None and self.right_leg_power is not None

    def legs_worse_than(self, baseline: ObservationSet) -> bool:
        """Power lower, or sensation newly altered, in either leg compared with `baseline`."""
        for side in ("left", "right"):
            if getattr(self, f"{side}_leg_power") < getattr(baseline, f"{side}_leg_power"):
                return True
            was = getattr(baseline, f"{side}_leg_sensation")
            if was == Sensation.NORMAL and getattr(self, f"{side}_leg_sensation") == Sensation.ALTERED:
                return True
        return False


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
        validators=_int_range(0, 5),
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
        "pain at rest now (0-10)", null=True, blank=True, validators=_int_range(0, 10)
    )
    pain_activity = models.PositiveSmallIntegerField(
        "pain on activity now (0-10)", null=True, blank=True, validators=_int_range(0, 10)
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
        from pathway import scores

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
        from pathway import scores

        if self.pain_activity is None or self.baseline_pain is None:
            return None
        return scores.pain_change(baseline=self.baseline_pain, now=self.pain_activity)
