"""The procedure: the record of the day, the WHO/NatSSIPs safety checklist and the treated levels
(domain.md 6). The checklist order and the level-against-consent check are in pathway/procedure/gates.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pathway.core.choices import Level
from pathway.core.fields import staff_user_field
from pathway.core.models import (
    ClinicalRecord,
    LegChecks,
    Pathway,
    check_choices,
    decimal_range,
    int_range,
)
from pathway.mri.models import MriScan
from pathway.pre_assessment.models import (
    AntithromboticMedicine,
    PregnancyStatus,
)


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


class Procedure(LegChecks, ClinicalRecord):
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
    # Chosen from the staff list (issue 16): the user, when on this system; the name above is printed.
    scrub_nurse_user = staff_user_field("scrub nurse (user)")
    # Pregnancy status checked again on the day (NICE NG45 1.3 via domain.md 6.1 [A][R30]).
    pregnancy_status_on_day = models.CharField(
        "pregnancy status today", max_length=30, choices=PregnancyStatus.choices, blank=True
    )
    pregnancy_not_applicable_reason = models.CharField(
        "why the pregnancy question does not apply today",
        max_length=200,
        blank=True,
        help_text="Filled in for a man, or a woman older than the age limit; otherwise give the reason, for example "
        "a hysterectomy.",
    )
    # Leg power and sensation at sign in (LegChecks), before sedation: the baseline the recovery checks
    # are compared with (domain.md 7.1 [I]).
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
        validators=decimal_range("0", "36000", "seconds"),
    )
    dap_value = models.DecimalField(
        "dose-area product",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=decimal_range("0", "100000000", ""),
    )
    dap_unit = models.CharField("DAP unit", max_length=10, choices=DapUnit.choices, blank=True)
    reference_air_kerma_mgy = models.DecimalField(
        "reference air kerma (mGy)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=decimal_range("0", "1000000", "mGy"),
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
        check_choices(self.guidance, GUIDANCE_CHOICES, "guidance", errors)
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
    """The phases in the order they happen. NatSSIPs names a team brief before the list and a debrief
    after it (domain.md 6.1 [A][R67]); between them the WHO phases (domain.md 6.1 [A][R68]): before
    sedation, before the needle, before leaving the room."""

    TEAM_BRIEF = "team_brief", "Team brief"
    SIGN_IN = "sign_in", "Sign in"
    TIME_OUT = "time_out", "Time out"
    SIGN_OUT = "sign_out", "Sign out"
    DEBRIEF = "debrief", "Debrief"

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
    # NatSSIPs safety briefing (domain.md 6.1 team brief [A][R67]): introductions, list order, kit.
    ChecklistPhase.TEAM_BRIEF: (
        CheckItem("introductions", "Team introduced by name and role for the list"),
        CheckItem("list_order", "List order agreed, and this patient's place on it"),
        CheckItem("equipment_kit", "Equipment and cement kit available for this patient"),
        CheckItem("concerns", "Concerns about this patient raised (allergies, anticoagulants, positioning)"),
    ),
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
    # NatSSIPs debriefing after the list (domain.md 6.1 debrief [A][R67]): what went well, what did
    # not, problems with equipment, and incidents reported.
    ChecklistPhase.DEBRIEF: (
        CheckItem("went_well", "What went well and what could be better discussed"),
        CheckItem("equipment_problems", "Equipment or system problems recorded and reported", na_allowed=True),
        CheckItem("incidents_reported", "Incidents reported (Datix / LFPSE)", na_allowed=True),
        CheckItem("learning", "Learning agreed and who will act on it"),
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
        "needle gauge (G)", validators=int_range(8, 18, "G"), help_text="Usually 10-15 G."
    )
    cement_product = models.CharField(max_length=100, help_text="Product name; PMMA unless stated.")
    cement_lot = models.CharField("cement lot number", max_length=50)
    cement_expiry = models.DateField("cement expiry date")
    # 0 < v <= 15 mL; a warning above the rule cement_volume_warn_ml (PCE risk above 7 mL [E][R49]).
    cement_volume_ml = models.DecimalField(
        "cement volume (mL)", max_digits=4, decimal_places=1, validators=decimal_range("0.1", "15", "mL")
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
        check_choices(self.leak_sites, LEAK_SITES, "leak_sites", errors)
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


class LastDose(ClinicalRecord):
    """The last dose of an antithrombotic actually taken, asked at sign in (or 'not taken'), so the
    hold is proved on the day rather than assumed from the plan (domain.md 4.3 [A][R27])."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="last_doses")
    medicine = models.ForeignKey(AntithromboticMedicine, on_delete=models.PROTECT, related_name="+")
    not_taken = models.BooleanField("not taken", default=False)
    last_taken_at = models.DateTimeField("last dose taken at", null=True, blank=True)

    class Meta:
        verbose_name = "last dose before the procedure"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "medicine"], name="last_dose_once_per_medicine"),
            models.CheckConstraint(
                condition=Q(not_taken=True, last_taken_at__isnull=True)
                | Q(not_taken=False, last_taken_at__isnull=False),
                name="last_dose_taken_xor_not_taken",
            ),
        ]

    def __str__(self) -> str:
        if self.not_taken:
            return "Not taken"
        return f"Last taken {timezone.localtime(self.last_taken_at):%d %b %Y %H:%M}"

    def clean(self):
        if self.not_taken == (self.last_taken_at is not None):
            raise ValidationError({"last_taken_at": "Give the date and time of the last dose, or record 'not taken'."})
        if self.last_taken_at and self.last_taken_at > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError({"last_taken_at": "This time is in the future."})


class ImagingDecision(models.TextChoices):
    RESCAN = "rescan", "Rescan before the procedure"
    PROCEED = "proceed", "Proceed on this scan"


class ImagingAgeDecision(ClinicalRecord):
    """A consultant's decision on a scan older than the rule `imaging_age_warn_days` on the procedure
    date (domain.md 3: warn if older than the local limit [E][R18][I]). Sign in needs one."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="imaging_age_decisions")
    scan = models.ForeignKey(MriScan, on_delete=models.PROTECT, related_name="+")
    procedure_on = models.DateField("for the procedure on")
    decision = models.CharField(max_length=10, choices=ImagingDecision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "imaging age decision"
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_at:%d %b %Y})"

    def clean(self):
        if not self.reason.strip():
            raise ValidationError({"reason": "Give the reason for the decision."})
