"""Patients, their pathways, the audit rows every pathway keeps, and the rules table.

Stage records hang off `Pathway` with `related_name` equal to their `Stage` value; each stage's
models live in that stage's package (pathway/<stage>/models.py). Movement lives in pathway/workflow.py.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pathway.core.choices import ExitState, Stage
from pathway.core.querysets import NoHardDeleteQuerySet, PathwayQuerySet, PatientQuerySet
from pathway.core.state import PathwayState, note_locked  # noqa: F401 - PathwayState registered with the app
from pathway.rules_seed import BOUNDS
from pathway.validators import not_in_future, validate_nhs_number


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


def lock_pathway(pathway: Pathway) -> Pathway:
    """The pathway row, locked until the end of the transaction (select_for_update), read afresh.

    Every write that checks a pathway's state first takes this lock, so two writes on one pathway
    run one after the other and the second sees what the first did (design.md 9)."""
    locked = Pathway.objects.select_for_update().select_related("patient").get(pk=pathway.pk)
    # Rows saved later in this transaction refresh the pathway's stored state (pathway.core.state).
    note_locked(locked.pk)
    return locked


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


class AppendOnlyQuerySet(NoHardDeleteQuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The access log is append-only.")


class PatientAccess(models.Model):
    """Who saw which patient's record, what of it, when, in which role and from where (NHS Care
    Record Guarantee; design.md section 9). Append-only. Written by pathway/core/access_log.py, one row
    per patient per response (a list page: one INSERT). A row without a patient summarises a read too
    large to log patient by patient (the CSV export): `detail` says which filter and how many."""

    # No foreign-key constraints: each one locked the named user, patient and pathway rows at commit
    # (FOR KEY SHARE), in every reader's transaction; the ids come from those tables, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", db_constraint=False)
    # The user's role group at the time (a later change of role does not rewrite the log).
    role = models.CharField(max_length=150, blank=True, default="")
    # (patient, at) is indexed below, which serves lookups by patient alone too.
    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="accesses", null=True, blank=True, db_constraint=False, db_index=False
    )
    pathway = models.ForeignKey(Pathway, models.PROTECT, related_name="+", null=True, blank=True, db_constraint=False)
    # What was seen: a page or document name ("pathway page", "consent PDF (signed)", "pathway list").
    what = models.CharField(max_length=100, blank=True, default="")
    client = models.CharField("client address", max_length=45, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "patient accesses"
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at_idx")]
        constraints = [
            # A row names its patient, or says what it summarises.
            models.CheckConstraint(
                condition=Q(patient__isnull=False) | ~Q(detail=""), name="access_patient_or_summary"
            ),
        ]

    def __str__(self) -> str:
        subject = f"patient {self.patient_id}" if self.patient_id else "a summary"
        return f"{self.user} saw {self.what or 'the record'} of {subject} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The access log is append-only.")


class Rule(models.Model):
    """A configurable clinical threshold, with its unit, evidence tag and source (domain.md 1.2).

    Seeded by migration, with bounds (pathway/rules_seed.py BOUNDS). The value changes only through
    an approved `RuleChange` (pathway/core/governance.py). Gates read these, never a literal.
    """

    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    minimum = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=30)
    evidence_tag = models.CharField(max_length=20, help_text="[A], [E], [S], [I], [U], [L] (domain.md section 0)")
    source = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=models.F("maximum")),
                name="rule_minimum_not_above_maximum",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value} {self.unit}"

    def save(self, *args, **kwargs):
        # A seeded rule created without its bounds (test data, a re-seed) takes the seeded ones.
        seeded = BOUNDS.get(self.key)
        if seeded is not None:
            if self.minimum is None:
                self.minimum = Decimal(seeded[0])
            if self.maximum is None:
                self.maximum = Decimal(seeded[1])
        super().save(*args, **kwargs)

    def bounds_error(self, value) -> str | None:
        """The refusal for a value outside this rule's bounds, or None when it is inside them."""
        if value is None:
            return None
        value = Decimal(value)
        too_low = self.minimum is not None and value < self.minimum
        too_high = self.maximum is not None and value > self.maximum
        if not (too_low or too_high):
            return None
        name = BOUNDS[self.key][2] if self.key in BOUNDS else self.label
        low, high = _same_places(self.minimum, self.maximum)
        if self.minimum is None:
            return f"The {name} must be at most {high} {self.unit}."
        if self.maximum is None:
            return f"The {name} must be at least {low} {self.unit}."
        return f"The {name} must be between {low} and {high} {self.unit}."

    def clean(self):
        super().clean()
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError({"minimum": "The minimum must not be above the maximum."})
        message = self.bounds_error(self.value)
        if message:
            raise ValidationError({"value": message})

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Rules are edited, never deleted.")


def _same_places(*values) -> list[str]:
    """Bounds written alike: 1.0 and 1.8, or 50 and 100 (trailing zeros dropped, same places)."""
    present = [v.normalize() for v in values if v is not None]
    places = max((-v.as_tuple().exponent for v in present), default=0)
    places = max(places, 0)
    return [format(v, f".{places}f") if v is not None else "" for v in values]


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ApprovedChange(models.Model):
    """A configuration change proposed by one person that takes effect only when a second person,
    holding the approval permission, approves it (issue 13 item 8). Both are named on the row."""

    reason = models.TextField(help_text="Why the change is needed, with its evidence.")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Configuration changes are decided, never deleted.")


class RuleChange(ApprovedChange):
    """A proposed new value of a rule; applied by pathway.core.governance.approve_change."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="changes")
    previous_value = models.DecimalField(max_digits=10, decimal_places=2)
    proposed_value = models.DecimalField(max_digits=10, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at"]
        permissions = [("approve_rule_change", "Can approve a change to a clinical rule")]

    def __str__(self) -> str:
        return f"{self.rule.key}: {self.previous_value} -> {self.proposed_value} ({self.get_status_display()})"

    def clean(self):
        super().clean()
        if self.rule_id is not None:
            message = self.rule.bounds_error(self.proposed_value)
            if message:
                raise ValidationError({"proposed_value": message})


def rule_value(key: str) -> Decimal:
    """Current value of a rule. Raises Rule.DoesNotExist for an unknown key (a programming error)."""
    return Rule.objects.only("value").get(key=key).value


def rule_values() -> dict[str, Decimal]:
    """Every rule in one query, for code that reads several thresholds."""
    return dict(Rule.objects.values_list("key", "value"))


# --- field helpers shared by the stages' models ---------------------------------------------------


def _range_message(low, high, unit: str) -> str:
    # A validator's message is %-formatted with its params: a bare "%" (as in SpO2's unit) would
    # break it and answer 500, so it is escaped here, once, for every range.
    return f"Enter a value between {low} and {high} {unit.replace('%', '%%')}".strip() + "."


def decimal_range(low: str, high: str, unit: str):
    message = _range_message(low, high, unit)
    return [
        MinValueValidator(Decimal(low), message=message),
        MaxValueValidator(Decimal(high), message=message),
    ]


def int_range(low: int, high: int, unit: str = ""):
    message = _range_message(low, high, unit)
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def check_choices(values, choices, field: str, errors: dict) -> None:
    allowed = {value for value, _label in choices}
    if not isinstance(values, list) or any(v not in allowed for v in values):
        errors[field] = "Choose only from the listed options."


class Sensation(models.TextChoices):
    NORMAL = "normal", "Normal"
    ALTERED = "altered", "Altered"


LEG_FIELDS = ("left_leg_power", "right_leg_power", "left_leg_sensation", "right_leg_sensation")


class LegChecks(models.Model):
    """Lower-limb power (MRC 0-5, the worst of hip, knee and ankle) and sensation, per side. Taken
    before the procedure (pre-assessment, sign in) as the baseline, and in recovery against it,
    because cement can leak into the canal or a foramen (domain.md 7.1-7.2 [I][E][R49])."""

    left_leg_power = models.PositiveSmallIntegerField(
        "left leg power (MRC 0-5)", null=True, blank=True, validators=int_range(0, 5)
    )
    right_leg_power = models.PositiveSmallIntegerField(
        "right leg power (MRC 0-5)", null=True, blank=True, validators=int_range(0, 5)
    )
    left_leg_sensation = models.CharField(max_length=10, choices=Sensation.choices, blank=True)
    right_leg_sensation = models.CharField(max_length=10, choices=Sensation.choices, blank=True)

    class Meta:
        abstract = True

    def check_legs(self, errors: dict) -> None:
        """All four recorded, or none."""
        legs = [getattr(self, name) for name in LEG_FIELDS]
        if any(v not in (None, "") for v in legs) and any(v in (None, "") for v in legs):
            errors["left_leg_power"] = "Record power and sensation for both legs, or leave all four empty."

    @property
    def has_leg_checks(self) -> bool:
        return all(getattr(self, name) not in (None, "") for name in LEG_FIELDS)

    def legs_worse_than(self, baseline: LegChecks) -> bool:
        """Power lower, or sensation newly altered, in either leg compared with `baseline`."""
        for side in ("left", "right"):
            if getattr(self, f"{side}_leg_power") < getattr(baseline, f"{side}_leg_power"):
                return True
            was = getattr(baseline, f"{side}_leg_sensation")
            if was == Sensation.NORMAL and getattr(self, f"{side}_leg_sensation") == Sensation.ALTERED:
                return True
        return False

    def legs_display(self) -> str:
        """'left 5/5, right 4/5, sensation altered on the right'."""
        if not self.has_leg_checks:
            return "not recorded"
        text = f"left {self.left_leg_power}/5, right {self.right_leg_power}/5"
        altered = [side for side in ("left", "right") if getattr(self, f"{side}_leg_sensation") == Sensation.ALTERED]
        if altered:
            text += f", sensation altered on the {' and '.join(altered)}"
        return text


class FormSubmission(models.Model):
    """A one-time token of a rendered create form, stored with the row it created, in the same
    transaction, under a unique constraint (design.md 9). A double click or a browser resubmit
    finds the token and is shown the first result instead of making a second row."""

    token = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = NoHardDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Form {self.token} -> {self.content_type_id}:{self.object_id}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Form submissions are kept with the rows they created.")


class StoredDocument(models.Model):
    """A document rendered when its event happens, stored with its SHA-256 and served as stored
    (design.md 9: reading never writes). Each subclass adds its owner and its `file` (upload folder)."""

    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)
    rendered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    never_deleted_message = "Stored documents are never deleted."

    class Meta:
        abstract = True
        ordering = ["rendered_at", "id"]

    def delete(self, *args, **kwargs):
        raise PermissionDenied(self.never_deleted_message)
