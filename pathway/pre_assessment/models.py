"""Pre-assessment: bloods, ECG, ASA, allergies, antithrombotics and their hold plans (domain.md 4)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from pathway.anticoagulation import DRUG_CHOICES, DRUGS, OTHER, HoldPlan, cockcroft_gault, hold_plan
from pathway.core.models import (
    ClinicalRecord,
    LegChecks,
    Pathway,
    StoredDocument,
    check_choices,
    decimal_range,
    int_range,
)
from pathway.core.querysets import NoHardDeleteQuerySet
from pathway.validators import not_in_future


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

    NOT_APPLICABLE = "not_applicable", "Not applicable (cannot be pregnant: give the reason)"
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


class AnaestheticReviewOutcome(models.TextChoices):
    """An anaesthetic review called for by a sedation risk factor (domain.md 4.4 [I]; AoMRC [A][R73])."""

    SEDATION_AS_PLANNED = "sedation_ok", "Fit for sedation as planned"
    ANAESTHETIST_PRESENT = "anaesthetist", "Proceed with an anaesthetist present"
    NOT_FIT = "not_fit", "Not fit for the procedure at present"


class PreAssessment(LegChecks, ClinicalRecord):
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
        validators=decimal_range("30", "250", "g/L"),
    )
    hb_sampled_on = models.DateField("haemoglobin sample date", null=True, blank=True, validators=[not_in_future])
    platelets = models.PositiveIntegerField(
        "platelets (x10^9/L)", null=True, blank=True, validators=int_range(1, 2000, "x10^9/L")
    )
    platelets_sampled_on = models.DateField("platelets sample date", null=True, blank=True, validators=[not_in_future])
    platelet_correction_plan = models.TextField(
        "platelet correction plan", blank=True, help_text="Needed when platelets are below the minimum."
    )
    inr = models.DecimalField(
        "INR", max_digits=3, decimal_places=1, null=True, blank=True, validators=decimal_range("0.5", "9.9", "")
    )
    inr_sampled_on = models.DateField("INR sample date", null=True, blank=True, validators=[not_in_future])
    creatinine_umol_l = models.PositiveIntegerField(
        "creatinine (µmol/L)", null=True, blank=True, validators=int_range(10, 2000, "µmol/L")
    )
    egfr = models.PositiveSmallIntegerField(
        "eGFR (mL/min/1.73m²)", null=True, blank=True, validators=int_range(1, 150, "mL/min/1.73m²")
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
        validators=decimal_range("25", "300", "kg"),
    )
    # Comorbidities that call for an ECG whatever the ASA grade (domain.md 4.2 [A][R30][U/I]).
    cardiovascular_disease = models.BooleanField("cardiovascular disease", default=False)
    renal_disease = models.BooleanField("renal disease", default=False)
    diabetes = models.BooleanField("diabetes", default=False)
    sedation_risk_factors = models.JSONField(default=list, blank=True)
    # Any sedation risk factor -> anaesthetic review before G3 (domain.md 4.4 [I]; AoMRC [A][R73]).
    anaesthetic_review_on = models.DateField(
        "anaesthetic review date", null=True, blank=True, validators=[not_in_future]
    )
    anaesthetic_reviewer = models.CharField("anaesthetic review by (name and grade)", max_length=200, blank=True)
    anaesthetic_review_outcome = models.CharField(max_length=20, choices=AnaestheticReviewOutcome.choices, blank=True)
    anaesthetic_review_notes = models.TextField(blank=True)
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
    # Required at G3 (domain.md 4.4 meds_reconciliation: Required [S][R86]).
    medicines_reconciled = models.BooleanField("medicines reconciliation done", default=False)
    diabetic_plan = models.TextField("diabetes plan", blank=True)
    # Pregnancy, capacity, communication (domain.md 4.4).
    pregnancy_status = models.CharField(max_length=30, choices=PregnancyStatus.choices, blank=True)
    # Why the question does not apply, kept with the answer and in its history (issue 16): filled in
    # when it is skipped (pathway/pre_assessment/pregnancy.py), or the clinician's reason.
    pregnancy_not_applicable_reason = models.CharField(
        "why the pregnancy question does not apply",
        max_length=200,
        blank=True,
        help_text="Filled in for a man, or a woman older than the age limit; otherwise give the reason, for example "
        "a hysterectomy.",
    )
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
    # Leg power and sensation (LegChecks): the first pre-procedure baseline (domain.md 7.1 [I]).

    class Meta:
        verbose_name = "pre-assessment"

    def __str__(self) -> str:
        return f"Pre-assessment for pathway {self.pathway_id}"

    def clean(self):
        errors: dict[str, str] = {}
        check_choices(self.sedation_risk_factors, SEDATION_RISK_FACTORS, "sedation_risk_factors", errors)
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
        review = (self.anaesthetic_review_on, self.anaesthetic_reviewer.strip(), self.anaesthetic_review_outcome)
        if any(review) and not all(review):
            errors["anaesthetic_review_on"] = "Give the date, the reviewer and the outcome of the anaesthetic review."
        self.check_legs(errors)
        if self.interpreter_required and not self.interpreter_language.strip():
            errors["interpreter_language"] = "Give the language the interpreter is needed for."
        if errors:
            raise ValidationError(errors)

    @property
    def ecg_indications(self) -> list[str]:
        """Comorbidities calling for an ECG (domain.md 4.2); the ASA grade is judged against the rule."""
        return [
            label
            for flag, label in (
                (self.cardiovascular_disease, "cardiovascular disease"),
                (self.renal_disease, "renal disease"),
                (self.diabetes, "diabetes"),
            )
            if flag
        ]

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


class MedicinesLetter(StoredDocument):
    """The patient's "your medicines before the procedure" letter, rendered when the pre-assessment
    is saved, stored with its SHA-256 and served as stored (design.md 9: reads never write)."""

    pre_assessment = models.ForeignKey(PreAssessment, on_delete=models.PROTECT, related_name="medicines_letters")
    file = models.FileField(upload_to="medicines/%Y/%m/")

    objects = NoHardDeleteQuerySet.as_manager()
    never_deleted_message = "Stored medicines letters are never deleted."

    def __str__(self) -> str:
        return f"Medicines letter of pathway {self.pre_assessment.pathway_id} ({self.rendered_at:%Y-%m-%d %H:%M})"
