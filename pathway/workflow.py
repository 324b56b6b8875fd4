"""THE pathway state machine (design.md section 4). Stage gating lives here and nowhere else.

- `TRANSITIONS` is the table of forward moves; `advance()` is the one guarded setter of
  `Pathway.current_stage`. `close()` and `reopen()` handle exit states; `return_to()` steps back.
- Each stage has a gate: a function returning the reasons the stage cannot yet be entered (empty list
  = open). A consultant may override a blocking gate with a written reason, except reasons marked
  not overridable (e.g. consent withdrawn: no one may treat without consent).
- Every movement writes a `StageTransition` row in the same transaction, with the pathway row locked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway.models import (
    Aetiology,
    Allergen,
    EcgResult,
    ExitState,
    Level,
    MalignancyFeatures,
    NeuroExam,
    Pathway,
    PathwayStatus,
    PosteriorWall,
    Stage,
    StageTransition,
    SuitabilityOutcome,
    rule_values,
)


class Reason(str):
    """A human-readable reason a gate is closed. Compares equal to its text."""

    overridable: bool = True

    def __new__(cls, text: str, *, overridable: bool = True) -> Reason:
        obj = super().__new__(cls, text)
        obj.overridable = overridable
        return obj


class WorkflowError(Exception):
    """A refused movement; `reasons` are shown to the user as they are."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class GateClosed(WorkflowError):
    pass


# The transition table: from each stage, the stage it may advance to.
TRANSITIONS: dict[Stage, Stage] = {
    Stage.REFERRAL: Stage.SUITABILITY,
    Stage.SUITABILITY: Stage.MRI,
    Stage.MRI: Stage.PRE_ASSESSMENT,
    Stage.PRE_ASSESSMENT: Stage.CONSENT,
    Stage.CONSENT: Stage.PROCEDURE,
    Stage.PROCEDURE: Stage.RECOVERY,
    Stage.RECOVERY: Stage.FOLLOW_UP,
}

# Who may record each stage's form (design.md section 1).
STAGE_PERMISSION: dict[Stage, str] = {
    Stage.REFERRAL: roles.RECORD_REFERRAL,
    Stage.SUITABILITY: roles.RECORD_SUITABILITY,
    Stage.MRI: roles.RECORD_MRI,
    Stage.PRE_ASSESSMENT: roles.RECORD_PRE_ASSESSMENT,
    Stage.CONSENT: roles.RECORD_CONSENT,
    Stage.PROCEDURE: roles.RECORD_PROCEDURE,
    Stage.RECOVERY: roles.RECORD_RECOVERY,
    Stage.FOLLOW_UP: roles.RECORD_FOLLOW_UP,
}

# Exit states a clinician may choose; COMPLETED is reached only through `complete()`.
CLINICAL_EXITS = [state for state in ExitState if state != ExitState.COMPLETED]


def next_stage(stage: Stage) -> Stage | None:
    return TRANSITIONS.get(Stage(stage))


def can_record(user, stage: Stage) -> bool:
    return user.has_perm(STAGE_PERMISSION[Stage(stage)])


def recording_refusal(pathway: Pathway, stage: Stage) -> str | None:
    """Why a stage's form cannot be saved now, or None. A stage is recorded once the pathway has
    reached it; earlier stages stay correctable (e.g. repeat bloods) while the pathway is open."""
    stage = Stage(stage)
    if not pathway.is_open:
        return "This pathway is closed; a consultant must reopen it before anything is recorded."
    if stage.index > pathway.stage.index:
        return f"This pathway has not reached the {stage.label.lower()} yet."
    return None


def can_advance(user, pathway: Pathway) -> bool:
    """The person finishing a stage, or the one taking up the next, may move the pathway on."""
    target = next_stage(pathway.stage)
    if not pathway.is_open or target is None:
        return False
    return can_record(user, pathway.stage) or can_record(user, target)


def can_override(user) -> bool:
    return user.has_perm(roles.OVERRIDE_GATE)


def can_close(user, pathway: Pathway) -> bool:
    return pathway.is_open and user.has_perm(roles.CLOSE_PATHWAY)


def can_reopen(user, pathway: Pathway) -> bool:
    return not pathway.is_open and user.has_perm(roles.REOPEN_PATHWAY)


# --- stage records --------------------------------------------------------------------------------

# The one-to-one record of each stage, by related_name on Pathway. Consent is held in the consent
# app (several per pathway: a withdrawn consent is followed by a new one), so it is looked up there.
STAGE_RECORD_NAME: dict[Stage, str] = {
    Stage.SUITABILITY: "suitability",
    Stage.MRI: "mri",
    Stage.PRE_ASSESSMENT: "pre_assessment",
    Stage.PROCEDURE: "procedure",
    Stage.RECOVERY: "recovery",
    Stage.FOLLOW_UP: "follow_up",
}


def stage_record(pathway: Pathway, stage: Stage):
    """The saved record of a stage, or None. The referral record is the pathway itself."""
    stage = Stage(stage)
    if stage == Stage.REFERRAL:
        return pathway
    if stage == Stage.CONSENT:
        return _current_consent(pathway)
    name = STAGE_RECORD_NAME[stage]
    try:
        record = getattr(pathway, name)
    except (ObjectDoesNotExist, AttributeError):
        return None
    # A form being filled in links an unsaved record to the pathway; it is not recorded yet.
    return record if record.pk is not None else None


def _current_consent(pathway: Pathway):
    try:
        from consent.selectors import current_consent
    except ImportError:  # the consent app has not been built yet
        return None
    return current_consent(pathway)


# --- gates ----------------------------------------------------------------------------------------


def _missing_record(pathway: Pathway, stage: Stage) -> list[Reason]:
    if stage_record(pathway, stage) is None:
        return [Reason(f"{Stage(stage).label} not yet recorded.")]
    return []


def gate_suitability(pathway: Pathway) -> list[Reason]:
    """G1 Referral -> triaged: NHS number, referral date, referrer and aetiology (domain.md 2.4)."""
    reasons: list[Reason] = []
    if not pathway.patient.nhs_number:
        reasons.append(Reason("The patient has no NHS number."))
    if not pathway.referral_received_on:
        reasons.append(Reason("The referral date is missing."))
    if not pathway.referrer_type or not pathway.referrer_organisation:
        reasons.append(Reason("The referrer is missing."))
    if not pathway.aetiology:
        reasons.append(Reason("The aetiology is missing."))
    return reasons


def gate_mri(pathway: Pathway) -> list[Reason]:
    """Entering MRI: a suitability assessment whose outcome allows imaging."""
    suitability = stage_record(pathway, Stage.SUITABILITY)
    if suitability is None:
        return _missing_record(pathway, Stage.SUITABILITY)
    if suitability.outcome == SuitabilityOutcome.NOT_SUITABLE:
        return [Reason("The suitability outcome is 'not suitable', so no imaging review is needed.")]
    return []


def gate_pre_assessment(pathway: Pathway) -> list[Reason]:
    """G2 (domain.md 2.4): suitable, unhealed concordant fracture on MRI, MDT agreed, no absolute
    contraindication, failed conservative management, local thresholds met or overridden."""
    rules = rule_values()
    items = _suitability_items(pathway, rules, full=True) + _mri_items(pathway)
    return _unmet(items)


def gate_consent(pathway: Pathway) -> list[Reason]:
    """G3 (domain.md 4.5): pre-assessment complete. Two allowances apply before consent that do not
    apply on the day: a platelet correction plan, and warfarin patients' INR being rechecked later."""
    return _unmet(_pre_assessment_items(pathway, rule_values(), on_the_day=False))


def gate_procedure(pathway: Pathway) -> list[Reason]:
    return [item.reason for item in ready_for_procedure(pathway) if not item.met]


def gate_recovery(pathway: Pathway) -> list[Reason]:
    """G5: the patient leaves the room only after the sign out (domain.md 6.1 [A][R66][R68])."""
    from pathway.models import ChecklistPhase

    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return _missing_record(pathway, Stage.PROCEDURE)
    if not procedure.phase_complete(ChecklistPhase.SIGN_OUT):
        return [Reason("The sign out of the safety checklist is not complete.", overridable=False)]
    return []


def gate_follow_up(pathway: Pathway) -> list[Reason]:
    """G6: the discharge criteria (domain.md 7.3); see discharge_items. The move itself is the
    discharge (services.discharge), which also books the follow-up, so no other path may make it."""
    reasons = _unmet(discharge_items(pathway))
    recovery = stage_record(pathway, Stage.RECOVERY)
    if recovery is not None and recovery.discharged_at is None:
        reasons.append(
            Reason("Discharge the patient from the recovery page, which books the follow-up.", overridable=False)
        )
    return reasons


def gate_complete(pathway: Pathway) -> list[Reason]:
    """G7 follow-up -> closed (domain.md 8.1); see completion_reasons."""
    return completion_reasons(pathway)


GATES: dict[Stage, Callable[[Pathway], list[Reason]]] = {
    Stage.SUITABILITY: gate_suitability,
    Stage.MRI: gate_mri,
    Stage.PRE_ASSESSMENT: gate_pre_assessment,
    Stage.CONSENT: gate_consent,
    Stage.PROCEDURE: gate_procedure,
    Stage.RECOVERY: gate_recovery,
    Stage.FOLLOW_UP: gate_follow_up,
}


def gate_reasons(pathway: Pathway, stage: Stage) -> list[Reason]:
    """Why `stage` cannot yet be entered (empty list = open)."""
    gate = GATES.get(Stage(stage))
    return gate(pathway) if gate else []


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    met: bool
    reason: Reason = field(default_factory=lambda: Reason(""))


def ready_for_procedure(pathway: Pathway) -> list[ChecklistItem]:
    """The ready-for-procedure checklist (design.md section 4), each unmet item in plain words.

    A concatenation of item builders, one per part of the pathway; later stages add theirs here.
    """
    return _preprocedure_items(pathway) + _consent_items(pathway)


def _consent_items(pathway: Pathway) -> list[ChecklistItem]:
    return consent_items(pathway)


# --- consent items: G4 and the day-of consent gate (domain.md 5.8) ---------------------------------
# Reasons a consultant may never override: no consent, not signed, withdrawn, levels not covered,
# lapsed. Nobody treats without a valid consent covering the levels.


def _consent_date(value) -> str:
    return f"{timezone.localtime(value):%-d %b %Y}" if hasattr(value, "tzinfo") else f"{value:%-d %b %Y}"


def _consent_item(label: str, problem: str | None, *, overridable: bool = True) -> ChecklistItem:
    if problem is None:
        return ChecklistItem(label=label, met=True)
    return ChecklistItem(label=label, met=False, reason=Reason(problem, overridable=overridable))


def form_problem(pathway, consent) -> str | None:
    """Form 1 or Form 4 according to capacity (MCA 2005 s.2-3; domain.md 5.5 [R39])."""
    from consent import selectors
    from consent.models import ConsentForm

    capacity = getattr(consent, "capacity", None) if _consent_has_capacity(consent) else None
    if consent.form_type == ConsentForm.FORM_4:
        if capacity is None:
            return "A Form 4 needs the capacity assessment."
        if not capacity.lacks_capacity:
            return "The capacity assessment shows the patient has capacity for this decision: use a Form 1."
        problems = capacity.best_interests_problems()
        if problems:
            return "The Form 4 best-interests record is incomplete: " + "; ".join(problems) + "."
        return None
    if capacity is not None and capacity.lacks_capacity:
        return "The capacity assessment shows the patient lacks capacity for this decision: a Form 4 is needed."
    if capacity is None and selectors.capacity_concern(pathway):
        return "A capacity concern was recorded at pre-assessment: record a capacity assessment on the consent."
    return None


def _consent_has_capacity(consent) -> bool:
    from consent.models import CapacityAssessment

    try:
        consent.capacity  # noqa: B018 - existence check of a one-to-one
    except CapacityAssessment.DoesNotExist:
        return False
    return True


def risks_problem(consent) -> str | None:
    """Every library risk discussed, or why not (GMC para 23(d); domain.md 5.4 [R35])."""
    risks = list(consent.explained_risks.all())
    if not risks:
        return "No risks are recorded on the consent."
    missing = [r.name for r in risks if not r.accounted_for]
    if missing:
        return "Risks neither discussed nor with a reason for not discussing them: " + ", ".join(missing) + "."
    return None


def alternatives_problem(consent) -> str | None:
    """Reasonable alternatives, including no treatment (Montgomery; GMC para 11; domain.md 5.1)."""
    from consent.models import Alternative

    if Alternative.NO_TREATMENT not in consent.alternatives:
        return "The alternatives discussed, including no treatment, are not recorded."
    return None


def leaflet_problem(consent) -> str | None:
    if not consent.leaflet_id or not consent.leaflet_given_on:
        return "The leaflet given to the patient, with its version, is not recorded."
    return None


def interpreter_problem(pathway, consent) -> str | None:
    from consent import selectors

    needed, _language = selectors.interpreter_required(pathway)
    if not (needed or consent.interpreter_used):
        return None
    if consent.interpreter_used and consent.interpreter_name.strip() and consent.interpreter_statement:
        return None
    return "An interpreter was needed but the interpreter's statement is not recorded."


def levels_problem(consent, planned: list[str]) -> str | None:
    from consent.models import sort_levels

    consented = ", ".join(sort_levels(consent.levels)) or "none"
    wanted = ", ".join(planned) or "none"
    if not consent.levels:
        return "No vertebral levels are recorded on the consent."
    if set(planned) == set(consent.levels):
        return None
    if consent.is_signed:
        return (
            f"The planned levels have changed since the consent was signed (consented: {consented}; "
            f"planned: {wanted}): re-consent is needed."
        )
    return f"The consent's levels ({consented}) do not match the planned levels ({wanted})."


def record_items(pathway, consent, planned: list[str]) -> list[ChecklistItem]:
    """What the consent record itself must hold; also checked before it may be signed."""
    items = [
        _consent_item("Consent form right for the patient's capacity", form_problem(pathway, consent)),
        _consent_item("Every risk discussed, or the omission justified", risks_problem(consent)),
        _consent_item("Alternatives recorded, including no treatment", alternatives_problem(consent)),
        _consent_item("Leaflet and version recorded", leaflet_problem(consent)),
    ]
    interpreter = interpreter_problem(pathway, consent)
    if interpreter is not None or consent.interpreter_used:
        items.append(_consent_item("Interpreter's statement recorded", interpreter))
    items.append(
        _consent_item("Consent covers the planned levels", levels_problem(consent, planned), overridable=False)
    )
    return items


def sign_refusals(pathway, consent) -> list[Reason]:
    """Why a draft cannot be signed yet: a signed consent can never be corrected, so it must be complete."""
    from consent import selectors

    planned = selectors.planned_levels(pathway)
    return [item.reason for item in record_items(pathway, consent, planned) if not item.met]


def consent_items(pathway) -> list[ChecklistItem]:
    """The consent items of the ready-for-procedure checklist."""
    from consent import selectors

    consent = selectors.current_consent(pathway)
    if consent is None:
        return [_consent_item("Consent recorded", "No consent has been recorded.", overridable=False)]
    withdrawal = consent.withdrawal_or_none
    if withdrawal is not None:
        return [
            _consent_item(
                "Consent not withdrawn",
                f"Consent was withdrawn on {_consent_date(withdrawal.withdrawn_at)} "
                f"({withdrawal.get_timing_display().lower()}): a new consent is needed.",
                overridable=False,
            )
        ]
    planned = selectors.planned_levels(pathway)
    items = record_items(pathway, consent, planned)
    if not consent.is_signed:
        items.append(
            _consent_item(
                "Consent signed by the patient and the clinician", "The consent has not been signed.", overridable=False
            )
        )
        return items
    items.append(_consent_item("Consent signed by the patient and the clinician", None))
    rules = selectors.consent_rules()
    day = selectors.procedure_day(pathway)
    lapsed = selectors.has_lapsed(consent, on=day, rules=rules)
    items.append(
        _consent_item(
            "Consent within its validity",
            f"The consent has lapsed: signed {_consent_date(consent.signed_at)}, "
            f"valid for {rules['validity_days']} days."
            if lapsed
            else None,
            overridable=False,
        )
    )
    confirmation = consent.latest_confirmation
    if confirmation is None:
        problem = "The consent has not been confirmed on the day by the operator."
    elif timezone.localdate(confirmation.confirmed_at) != day:
        problem = (
            f"The consent was confirmed on {_consent_date(confirmation.confirmed_at)}, not on the day of the procedure "
            f"({_consent_date(day)}): the operator confirms it again on the day."
        )
    else:
        problem = None
    items.append(_consent_item("Consent confirmed on the day by the operator", problem))
    return items


# --- pre-procedure checklist items (suitability, MRI, pre-assessment) ------------------------------


def _unmet(items: list[ChecklistItem]) -> list[Reason]:
    return [item.reason for item in items if not item.met]


def _item(label: str, reason: Reason | str | None) -> ChecklistItem:
    """A met item (reason None) or an unmet one; a plain string becomes an overridable Reason."""
    if reason is None:
        return ChecklistItem(label=label, met=True)
    return ChecklistItem(label=label, met=False, reason=reason if isinstance(reason, Reason) else Reason(reason))


def _num(value) -> str:
    """1.50 -> '1.5', 50.00 -> '50'."""
    return f"{Decimal(value).normalize():f}"


def _preprocedure_items(pathway: Pathway) -> list[ChecklistItem]:
    """Suitable; unhealed concordant fracture; no absolute contraindication; pre-assessment met on
    the planned date (bloods in range and in date, a plan for every antithrombotic)."""
    rules = rule_values()
    return (
        _suitability_items(pathway, rules, full=False)
        + _mri_items(pathway)
        + _pre_assessment_items(pathway, rules, on_the_day=True)
    )


def _suitability_items(pathway: Pathway, rules: dict, *, full: bool) -> list[ChecklistItem]:
    """G2's suitability conditions. `full=False` keeps the ones that still matter on the day
    (outcome and absolute contraindications); thresholds overridden at G2 are not asked again."""
    suitability = stage_record(pathway, Stage.SUITABILITY)
    if suitability is None:
        return [_item("Suitability assessment recorded", _missing_record(pathway, Stage.SUITABILITY)[0])]
    items = [
        _item(
            "Suitability outcome: suitable",
            None
            if suitability.outcome == SuitabilityOutcome.SUITABLE
            else f"The suitability outcome is '{suitability.get_outcome_display().lower()}', not 'suitable'.",
        )
    ]
    # Absolute contraindications (domain.md 2.2 [S][R12]) block and cannot be overridden.
    absolute = suitability.absolute_labels()
    items += [_item("", Reason(f"Absolute contraindication: {label}.", overridable=False)) for label in absolute]
    if not absolute:
        items.append(_item("No absolute contraindication at suitability", None))
    if not full:
        return items
    # NICE TA279 1.1: pain confirmed at the fracture level on examination [A][R1].
    items.append(
        _item(
            "Pain at the fracture level confirmed on examination",
            None
            if suitability.pain_at_level_on_exam
            else "Pain at the fracture level on examination is not confirmed.",
        )
    )
    # NICE TA279 1.1 / IPG12: pain refractory to optimal conservative management [A][R1][R5]; SIR [S][R15].
    failed = bool(suitability.conservative_treatment.strip() and suitability.conservative_failure_reasons)
    items.append(
        _item(
            "Failed conservative management documented",
            None if failed else "Failed conservative management is not documented (treatment tried and why it failed).",
        )
    )
    # Local thresholds, overridable with a written reason (ICB policy [A-local][R11]).
    threshold = rules["pain_threshold"]
    items.append(
        _item(
            f"Pain score {suitability.pain_score} meets the threshold of {_num(threshold)}",
            None
            if suitability.pain_score >= threshold
            else f"Pain score {suitability.pain_score} is below the threshold of {_num(threshold)}.",
        )
    )
    # Judged when the patient was assessed: NICE has no hard limit; the local one is a prompt [R4][R11].
    onset = pathway.symptom_onset_on
    age = (suitability.assessed_on - onset).days if onset and suitability.assessed_on else None
    limit = rules["fracture_age_warn_days"]
    if age is not None:
        items.append(
            _item(
                f"Fracture was {age} days old at assessment (local limit {_num(limit)} days)",
                None
                if age <= limit
                else f"The fracture was {age} days old at assessment, beyond the local limit of {_num(limit)} days.",
            )
        )
    relative = suitability.relative_labels() + _derived_relative_contraindications(pathway, suitability, rules)
    if relative and not suitability.relative_justification.strip():
        reason = f"Relative contraindication without a written justification: {'; '.join(relative)}."
        items.append(_item("", reason))
    else:
        items.append(
            _item("Relative contraindications justified" if relative else "No relative contraindication", None)
        )
    # MDT with a radiologist and a spinal surgeon (NICE IPG12 [A][R5]); oncologist for malignancy [A][R7].
    mdt = suitability.mdt_on and suitability.mdt_radiologist.strip() and suitability.mdt_spinal_surgeon.strip()
    items.append(
        _item(
            "MDT decision recorded with a radiologist and a spinal surgeon",
            None if mdt else "No MDT decision is recorded with a radiologist and a spinal surgeon.",
        )
    )
    if _malignant(pathway) and not suitability.mdt_oncologist.strip():
        items.append(_item("", "Malignant disease: the MDT decision needs an oncologist."))
    items.append(
        _item(
            "Access to a spinal surgery service documented",
            None if suitability.spinal_surgery_access else "Access to a spinal surgery service is not documented.",
        )
    )
    # Measures to improve bone health (ICB policy [A-local][R11]).
    items.append(
        _item(
            "Bone-health plan recorded",
            None if suitability.bone_health_plan else "No bone-health plan is recorded.",
        )
    )
    return items


def _findings(pathway: Pathway) -> list:
    scan = stage_record(pathway, Stage.MRI)
    return [] if scan is None else list(scan.findings.all())


def _malignant(pathway: Pathway) -> bool:
    if pathway.aetiology in (Aetiology.METASTATIC, Aetiology.MYELOMA):
        return True
    return any(f.malignancy_features != MalignancyFeatures.NONE for f in _findings(pathway))


def _derived_relative_contraindications(pathway: Pathway, suitability, rules: dict) -> list[str]:
    """Relative contraindications that follow from the record (domain.md 2.2, 3 [S][R12][R91])."""
    found = []
    if suitability.neuro_exam == NeuroExam.ABNORMAL:
        found.append("abnormal neurological examination")
    min_remaining = rules["remaining_height_warn_pct"]
    for finding in _findings(pathway):
        if not finding.treatable:
            continue
        if finding.posterior_wall == PosteriorWall.BREACHED:
            found.append(f"posterior wall breached at {finding.level}")
        remaining = finding.remaining_height_pct
        if remaining is not None and remaining < min_remaining:
            found.append(f"severe collapse at {finding.level} ({_num(remaining)}% height remaining)")
    return found


def _mri_items(pathway: Pathway) -> list[ChecklistItem]:
    """Imaging confirms an unhealed fracture at a level matching the exam (NICE TA279 1.1 [A][R1])."""
    if stage_record(pathway, Stage.MRI) is None:
        return [_item("MRI review recorded", _missing_record(pathway, Stage.MRI)[0])]
    levels = sorted((f.level for f in _findings(pathway) if f.treatable), key=Level.sort_key)
    if not levels:
        return [_item("", "No MRI level shows oedema concordant with the examination.")]
    return [_item(f"MRI shows an unhealed fracture concordant with the exam at {', '.join(levels)}", None)]


BLOODS = (
    # name, value field, sample date field
    ("Haemoglobin", "hb_g_l", "hb_sampled_on"),
    ("Platelets", "platelets", "platelets_sampled_on"),
    ("INR", "inr", "inr_sampled_on"),
    ("Creatinine", "creatinine_umol_l", "renal_sampled_on"),
)


def _pre_assessment_items(pathway: Pathway, rules: dict, *, on_the_day: bool) -> list[ChecklistItem]:
    """G3 (domain.md 4.5), judged on the planned procedure date (today when none is planned).

    `on_the_day=True` is the ready-for-procedure reading: every result in range and in date.
    """
    pre = stage_record(pathway, Stage.PRE_ASSESSMENT)
    if pre is None:
        return [_item("Pre-assessment recorded", _missing_record(pathway, Stage.PRE_ASSESSMENT)[0])]
    planned = pathway.planned_procedure_on
    items: list[ChecklistItem] = []
    if on_the_day:
        items.append(
            _item(
                f"Procedure planned for {planned:%d %b %Y}" if planned else "",
                None if planned else "No procedure date is planned.",
            )
        )
    medicines = list(pre.medicines.all())
    on_warfarin = any(m.drug == "warfarin" for m in medicines)
    items += _blood_items(pre, rules, planned, on_the_day=on_the_day, on_warfarin=on_warfarin)
    # ECG where the rule requires it (NICE NG45 [A][R30], default ASA >= 3 [U][I]).
    ecg_from = rules["ecg_required_asa_min"]
    if pre.asa_grade and pre.asa_grade >= ecg_from and not pre.ecg_done:
        items.append(_item("", f"An ECG is required ({pre.get_asa_grade_display()}) but not recorded."))
    elif pre.ecg_done and pre.ecg_result == EcgResult.ABNORMAL_REFER:
        items.append(_item("", "The ECG is abnormal and needs referral before the procedure."))
    elif pre.ecg_done:
        items.append(_item(f"ECG {pre.get_ecg_result_display().lower()}", None))
    # Allergies: explicit, and no PMMA allergy (domain.md 4.4, 2.2 [S][R12]).
    allergies = list(pre.allergies.all())
    if not allergies and not pre.no_known_allergies:
        items.append(_item("", "Allergies are not recorded (list them, or record 'no known allergies')."))
    elif any(a.allergen == Allergen.PMMA for a in allergies):
        items.append(_item("", Reason("Allergy to bone cement (PMMA) is recorded.", overridable=False)))
    else:
        items.append(_item("Allergies recorded; no bone cement allergy", None))
    # Antithrombotics: a rule-made or written plan for each, or "none taken" (domain.md 4.3).
    if not medicines and not pre.no_antithrombotics:
        items.append(
            _item("", "Anticoagulant and antiplatelet medicines are not recorded (list them, or record 'none').")
        )
    for medicine in medicines:
        items.append(_medicine_item(medicine))
    if not medicines and pre.no_antithrombotics:
        items.append(_item("No anticoagulant or antiplatelet medicine", None))
    # Leaflet: someone stays overnight; no driving for 24 h [L].
    items.append(
        _item(
            "Escort and overnight carer confirmed",
            None if pre.escort_confirmed else "Escort and overnight carer are not confirmed.",
        )
    )
    items.append(
        _item("Transport home arranged", None if pre.transport_home_arranged else "Transport home is not arranged.")
    )
    return items


def _blood_items(pre, rules: dict, planned, *, on_the_day: bool, on_warfarin: bool) -> list[ChecklistItem]:
    """Each result present, within its threshold (SIR 2019 [S][R24]) and in date on the planned day."""
    day = planned or timezone.localdate()
    when = "on the planned date" if planned else "today"
    items = []
    for name, value_field, date_field in BLOODS:
        value = getattr(pre, value_field)
        sampled = getattr(pre, date_field)
        validity = rules["lab_validity_days"]
        if name == "INR" and on_warfarin:
            # Patients stopping warfarin: INR drawn within 2 days of the procedure [S][R26b]. Before
            # consent the pre-assessment INR is still on warfarin, so it is judged on the day only.
            if not on_the_day:
                days = _num(rules["inr_validity_days_warfarin"])
                items.append(_item(f"INR to be rechecked within {days} days of the procedure (warfarin)", None))
                continue
            validity = rules["inr_validity_days_warfarin"]
        if value is None or sampled is None:
            items.append(_item("", f"No {name.lower() if name != 'INR' else name} result."))
            continue
        age = (day - sampled).days
        if age > validity:
            items.append(_item("", f"{name} sample is {age} days old {when} (valid for {_num(validity)} days)."))
            continue
        if name == "Platelets" and value < rules["platelets_min"]:
            low = f"Platelets {value} are below {_num(rules['platelets_min'])}."
            if not on_the_day and pre.platelet_correction_plan.strip():
                items.append(_item(f"{low[:-1]}: correction plan recorded", None))
            else:
                items.append(_item("", low))
            continue
        if name == "INR" and value > rules["inr_max"]:
            items.append(_item("", f"INR {_num(value)} is above {_num(rules['inr_max'])}."))
            continue
        items.append(_item(f"{name} {_num(value)} ({sampled:%d %b %Y})", None))
    return items


def _medicine_item(medicine) -> ChecklistItem:
    plan = medicine.plan
    name = medicine.name
    if plan.needs_written_plan:
        if medicine.clinician_plan.strip():
            return _item(f"{name}: clinician's written plan recorded", None)
        return _item("", f"No plan for {name.lower()} ({plan.why}).")
    if not plan.computed:
        return _item("", f"No plan for {name.lower()} ({plan.why}).")
    return _item(f"{name}: last dose {plan.last_dose_on:%a %d %b %Y}", None)


# --- the day and after: safety checklist, treated levels, discharge, completion (issue 5) ---------
# WHO sign in -> time out -> sign out, in order (domain.md 6.1 G5 [A][R66][R68]); levels only from the
# consent (domain.md 6.2 [I]); discharge criteria G6 (domain.md 7.3); completion G7 (domain.md 8.1).


def consented_levels(pathway: Pathway) -> list[str]:
    """Levels of the consent in force (the consent app's contract); [] when there is none."""
    from consent.selectors import consented_levels as levels_on_consent

    return levels_on_consent(pathway=pathway)


def pregnancy_check_applies(pathway: Pathway) -> bool:
    """NICE NG45 1.3 via domain.md 6.1 [A][R30]: ask anyone who could be pregnant on the day. The
    record holds sex, not childbearing potential, so everyone not recorded as male is asked; the
    answer 'not applicable' covers those who cannot be pregnant."""
    from pathway.models import Sex

    return pathway.patient.sex != Sex.MALE


def sign_in_items(pathway: Pathway) -> list[ChecklistItem]:
    """What the sign in re-checks before sedation: the full ready-for-procedure gate (consent
    included), the planned levels against the consent, and the pregnancy status today."""
    from pathway.models import PregnancyStatus
    from pathway.selectors import planned_levels

    items = list(ready_for_procedure(pathway))
    planned = planned_levels(pathway=pathway)
    consented = consented_levels(pathway)
    if not planned:
        items.append(_item("", "No level is planned for treatment (no treatable level on the MRI review)."))
    else:
        missing = [level for level in planned if level not in consented]
        if missing:
            items.append(
                _item("", Reason(f"Planned level(s) not on the consent: {', '.join(missing)}.", overridable=False))
            )
        else:
            items.append(_item(f"Levels {', '.join(planned)} planned and on the consent", None))
    if pregnancy_check_applies(pathway):
        procedure = stage_record(pathway, Stage.PROCEDURE)
        status = procedure.pregnancy_status_on_day if procedure else ""
        if not status:
            items.append(_item("", "The pregnancy status has not been checked today."))
        elif status in (PregnancyStatus.POSSIBLY_PREGNANT, PregnancyStatus.PREGNANT):
            label = PregnancyStatus(status).label.lower()
            items.append(_item("", f"Pregnancy status today: {label}; a consultant must decide whether to go ahead."))
        else:
            items.append(_item(f"Pregnancy status today: {PregnancyStatus(status).label.lower()}", None))
    return items


def sign_out_reasons(pathway: Pathway) -> list[Reason]:
    """Sign out confirms the procedure is recorded: team, times, guidance, sedation and levels."""
    from pathway.models import Anaesthesia

    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return _missing_record(pathway, Stage.PROCEDURE)
    reasons: list[Reason] = []
    if not procedure.operator_id:
        reasons.append(Reason("The operator is not recorded."))
    if not (procedure.started_at and procedure.ended_at):
        reasons.append(Reason("The start and end times are not recorded."))
    if not procedure.guidance:
        reasons.append(Reason("The imaging guidance is not recorded."))
    if procedure.anaesthesia == Anaesthesia.LA_SEDATION and not procedure.sedation_drugs:
        reasons.append(Reason("Sedation was planned but no sedation drug is recorded."))
    if not procedure.levels.exists():
        reasons.append(Reason("No treated level is recorded."))
    return reasons


def checklist_phase_reasons(pathway: Pathway, phase: str) -> list[Reason]:
    """Why a phase of the safety checklist cannot be completed now: the phases go in order (not
    overridable), then the phase's own checks. Only the sign in's re-checks may be overridden."""
    from pathway.models import ChecklistPhase

    phase = ChecklistPhase(phase)
    procedure = stage_record(pathway, Stage.PROCEDURE)
    previous = phase.previous
    if previous is not None and (procedure is None or not procedure.phase_complete(previous)):
        return [
            Reason(
                f"The {previous.label.lower()} must be complete before the {phase.label.lower()}.", overridable=False
            )
        ]
    if phase == ChecklistPhase.SIGN_IN:
        return _unmet(sign_in_items(pathway))
    if phase == ChecklistPhase.SIGN_OUT:
        return [Reason(r, overridable=False) for r in sign_out_reasons(pathway)]
    return []


def check_sign_in_override(acting_user, reasons: list[Reason], override_reason: str) -> None:
    """A consultant may go ahead despite closed sign-in checks, with a written reason (design.md 4);
    reasons marked not overridable (no valid consent for the levels, PMMA allergy) still block."""
    _check_override(acting_user, reasons, override_reason)


def treated_level_reasons(pathway: Pathway, level: str) -> list[Reason]:
    """A level is recorded only after the time out and before the sign out, once, and only if it is
    on the consent: otherwise a hard stop, fresh consent needed (domain.md 6.2 [I])."""
    from pathway.models import ChecklistPhase

    procedure = stage_record(pathway, Stage.PROCEDURE)
    reasons: list[Reason] = []
    if procedure is None or not procedure.phase_complete(ChecklistPhase.TIME_OUT):
        reasons.append(Reason("No level can be recorded before the time out is complete.", overridable=False))
    elif procedure.phase_complete(ChecklistPhase.SIGN_OUT):
        reasons.append(Reason("The sign out is complete; no more levels can be recorded.", overridable=False))
    if level not in consented_levels(pathway):
        reasons.append(
            Reason(f"{level} is not on the patient's consent: it needs fresh consent first.", overridable=False)
        )
    if procedure is not None and procedure.levels.filter(level=level).exists():
        reasons.append(Reason(f"{level} is already recorded.", overridable=False))
    return reasons


def can_record_complication(user) -> bool:
    """Complications are recorded at the procedure, in recovery and at follow-up, by whoever is there."""
    return any(user.has_perm(perm) for perm in (roles.RECORD_PROCEDURE, roles.RECORD_RECOVERY, roles.RECORD_FOLLOW_UP))


def complication_refusal(pathway: Pathway) -> str | None:
    """Complications can be recorded from the procedure until the rule's window after it (12 months
    by default: late infection presents months later, domain.md 8.1 [E][R53][I]), even on a closed
    pathway."""
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return "No procedure is recorded on this pathway, so there is nothing to record a complication against."
    window = int(rule_values()["adverse_event_window_days"])
    if (timezone.localdate() - procedure.procedure_day).days > window:
        return f"More than {window} days have passed since the procedure; report it through the incident system."
    return None


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def discharge_items(pathway: Pathway) -> list[ChecklistItem]:
    """Discharge criteria, gate G6 (domain.md 7.3 [I][L], NEWS2 Chart 4 [A][R70])."""
    import datetime

    recovery = stage_record(pathway, Stage.RECOVERY)
    if recovery is None:
        return [_item("Recovery recorded", _missing_record(pathway, Stage.RECOVERY)[0])]
    rules = rule_values()
    items: list[ChecklistItem] = []
    # 1. Minimum bed rest (2-4 h [L]).
    minimum = rules["bed_rest_min_hours"]
    rested = recovery.bed_rest_duration
    if rested is None:
        items.append(_item("", "Bed rest start and end are not recorded."))
    elif rested < datetime.timedelta(hours=float(minimum)):
        items.append(_item("", f"Bed rest lasted {_duration(rested)}; at least {_num(minimum)} hours are needed."))
    else:
        items.append(_item(f"Bed rest {_duration(rested)}", None))
    # 2. Latest NEWS2 within the rule (0-4), no single 3, not rising, alert.
    observations = list(recovery.observations.all())
    if not observations:
        items.append(_item("", "No observations are recorded."))
    else:
        latest = observations[-1].news2
        highest = int(rules["discharge_news2_max"])
        problems = []
        if latest.total > highest:
            problems.append(f"The latest NEWS2 score is {latest.total}; discharge needs {highest} or less.")
        if latest.single_parameter_3:
            problems.append("The latest observations score 3 in a single parameter.")
        if len(observations) > 1 and latest.total > observations[-2].news2.total:
            problems.append(f"The NEWS2 score is rising ({observations[-2].news2.total} then {latest.total}).")
        if observations[-1].consciousness != "A":
            problems.append("The patient is not alert in the latest observations.")
        items += [_item("", p) for p in problems]
        if not problems:
            items.append(_item(f"Latest NEWS2 {latest.total}, alert, not rising", None))
    # 3. Legs: power and sensation checked, and no worse than at the first check [I][E][R49].
    checked = [o for o in observations if o.has_leg_checks]
    if not checked:
        items.append(_item("", "Leg power and sensation have not been checked."))
    elif checked[-1].legs_worse_than(checked[0]):
        items.append(_item("", "Leg power or sensation is worse than at the first check."))
    else:
        items.append(_item("Leg power and sensation at baseline", None))
    # 4. Pain controlled, mobilised, puncture site dry [I].
    for flag, met, unmet in (
        ("pain_controlled", "Pain controlled on oral painkillers", "Pain is not controlled on oral painkillers."),
        ("mobilised_safely", "Mobilised safely", "The patient has not mobilised safely."),
        ("puncture_site_dry", "Puncture site dry", "The puncture site is not dry."),
    ):
        items.append(_item(met, None if getattr(recovery, flag) else unmet))
    # 5. Post-procedure CT reviewed, no leak needing action [L][I].
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None or not procedure.post_ct_reviewed_by_id:
        items.append(_item("", "The post-procedure CT has not been reviewed."))
    elif procedure.post_ct_leak_needs_action:
        items.append(_item("", "The post-procedure CT shows a leak needing action."))
    else:
        items.append(_item("Post-procedure CT reviewed", None))
    # 6. A responsible adult takes the patient home and stays overnight [L].
    items.append(
        _item(
            "Responsible adult confirmed",
            None
            if recovery.responsible_adult_confirmed
            else "No responsible adult is confirmed to take the patient home and stay overnight.",
        )
    )
    # 7. Discharge advice given, including the anticoagulant restart plan [L][I].
    missing = recovery.advice_missing()
    items.append(
        _item(
            "Discharge advice given",
            f"Discharge advice not yet given: {'; '.join(m[0].lower() + m[1:] for m in missing)}." if missing else None,
        )
    )
    return items


def completion_reasons(pathway: Pathway) -> list[Reason]:
    """G7 (domain.md 8.1): the 4-week review recorded with pain, ODI, analgesia, new fractures and
    complications; bone health confirmed; an outcome chosen, and a new fracture re-referred."""
    from pathway.models import FollowUpOutcome
    from pathway.scores import ODI_MIN_ANSWERED, ODI_SECTIONS

    follow_up = stage_record(pathway, Stage.FOLLOW_UP)
    if follow_up is None:
        return _missing_record(pathway, Stage.FOLLOW_UP)
    reasons: list[Reason] = []
    if not follow_up.reviewed_on:
        reasons.append(Reason("The date of the follow-up review is not recorded."))
    if follow_up.pain_rest is None or follow_up.pain_activity is None:
        reasons.append(Reason("Pain now, at rest and on activity, is not recorded."))
    if follow_up.odi is None:
        reasons.append(
            Reason(f"The Oswestry Disability Index needs at least {ODI_MIN_ANSWERED} of its {ODI_SECTIONS} sections.")
        )
    if not follow_up.analgesic_use:
        reasons.append(Reason("Analgesic use is not recorded."))
    if follow_up.new_fracture is None:
        reasons.append(Reason("Whether there has been a new fracture is not recorded."))
    if follow_up.complications_since_discharge is None:
        reasons.append(Reason("Whether there have been complications since discharge is not recorded."))
    if not follow_up.bone_health_confirmed:
        reasons.append(Reason("The bone-health plan is not confirmed."))
    if not follow_up.outcome:
        reasons.append(Reason("The outcome (discharge or re-referral) is not chosen."))
    elif follow_up.new_fracture and follow_up.outcome == FollowUpOutcome.DISCHARGED:
        reasons.append(Reason("A new fracture was reported: re-refer the patient instead of discharging."))
    return reasons


# --- movements ------------------------------------------------------------------------------------


def _lock(pathway: Pathway) -> Pathway:
    return Pathway.objects.select_for_update().select_related("patient").get(pk=pathway.pk)


def _save_state(locked: Pathway, acting_user, fields: list[str]) -> None:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked._history_user = acting_user
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _check_override(acting_user, reasons: list[Reason], override_reason: str) -> None:
    if not can_override(acting_user):
        raise GateClosed(reasons)
    hard = [r for r in reasons if not getattr(r, "overridable", True)]
    if hard:
        raise GateClosed(hard)
    if not override_reason.strip():
        raise WorkflowError("An override needs a written reason.")


@transaction.atomic
def open_pathway(*, pathway: Pathway, acting_user) -> Pathway:
    """Record the opening of a new (already saved) pathway at the referral stage."""
    StageTransition.objects.create(
        pathway=pathway, kind=StageTransition.Kind.OPEN, to_stage=Stage.REFERRAL, acting_user=acting_user
    )
    return pathway


@transaction.atomic
def advance(*, pathway: Pathway, to_stage: Stage, acting_user, override_reason: str = "") -> Pathway:
    """Move the pathway to `to_stage` if the transition table allows it and its gate is open.

    A blocked gate is refused with its reasons, unless a consultant overrides it with a reason.
    """
    locked = _lock(pathway)
    to_stage = Stage(to_stage)
    if not locked.is_open:
        raise WorkflowError("This pathway is closed; reopen it first.")
    if TRANSITIONS.get(locked.stage) != to_stage:
        raise WorkflowError(f"A pathway at {locked.stage.label.lower()} cannot move to {to_stage.label.lower()}.")
    if not can_advance(acting_user, locked):
        raise WorkflowError("You do not have permission to move this pathway on.")
    reasons = gate_reasons(locked, to_stage)
    overridden = bool(reasons)
    if reasons:
        _check_override(acting_user, reasons, override_reason)
    from_stage = locked.current_stage
    locked.current_stage = to_stage
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=from_stage,
        to_stage=to_stage,
        acting_user=acting_user,
        reason=override_reason.strip() if overridden else "",
        overridden=overridden,
        overridden_reasons=[str(r) for r in reasons],
    )
    return locked


@transaction.atomic
def return_to(*, pathway: Pathway, to_stage: Stage, acting_user, reason: str) -> Pathway:
    """Step back to an earlier stage (e.g. re-imaging, or re-consent after the levels changed).

    A consultant's decision, with a reason; no gate applies to going back.
    """
    locked = _lock(pathway)
    to_stage = Stage(to_stage)
    if not locked.is_open:
        raise WorkflowError("This pathway is closed; reopen it first.")
    if to_stage.index >= locked.stage.index:
        raise WorkflowError("A pathway can only return to an earlier stage.")
    if not can_override(acting_user):
        raise WorkflowError("Only a consultant may return a pathway to an earlier stage.")
    if not reason.strip():
        raise WorkflowError("Returning to an earlier stage needs a reason.")
    from_stage = locked.current_stage
    locked.current_stage = to_stage
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=from_stage,
        to_stage=to_stage,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def consent_withdrawn(*, pathway: Pathway, acting_user, reason: str) -> Pathway:
    """Consent withdrawn before the procedure while the pathway waits at the procedure stage: it
    steps back to consent at once (no override needed: nobody treats without consent), so the
    procedure gate applies again and the consent worklist shows it (domain.md 5.7)."""
    locked = _lock(pathway)
    if not locked.is_open or locked.stage != Stage.PROCEDURE:
        return locked
    locked.current_stage = Stage.CONSENT
    locked.stage_entered_at = timezone.now()
    _save_state(locked, acting_user, ["current_stage", "stage_entered_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.ADVANCE,
        from_stage=Stage.PROCEDURE,
        to_stage=Stage.CONSENT,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def close(*, pathway: Pathway, exit_state: ExitState, acting_user, reason: str) -> Pathway:
    """Close an open pathway with an exit state and reason (domain.md 1.1 exit states)."""
    locked = _lock(pathway)
    exit_state = ExitState(exit_state)
    if not locked.is_open:
        raise WorkflowError("This pathway is already closed.")
    if not locked.is_open or not acting_user.has_perm(roles.CLOSE_PATHWAY):
        raise WorkflowError("You do not have permission to close this pathway.")
    if exit_state == ExitState.COMPLETED:
        if locked.stage != Stage.FOLLOW_UP:
            raise WorkflowError("Only a pathway at follow-up can be completed.")
        reasons = gate_complete(locked)
        if reasons:
            raise GateClosed(reasons)
    elif not reason.strip():
        raise WorkflowError("Closing a pathway needs a reason.")
    return _close(locked, exit_state, acting_user, reason)


def _close(locked: Pathway, exit_state: ExitState, acting_user, reason: str) -> Pathway:
    locked.status = PathwayStatus.CLOSED
    locked.exit_state = exit_state
    locked.exit_reason = reason.strip()
    locked.closed_at = timezone.now()
    _save_state(locked, acting_user, ["status", "exit_state", "exit_reason", "closed_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.CLOSE,
        from_stage=locked.current_stage,
        exit_state=exit_state,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def reopen(*, pathway: Pathway, acting_user, reason: str) -> Pathway:
    """A consultant reopens a closed pathway, with a reason, at the stage where it stopped."""
    locked = _lock(pathway)
    if locked.is_open:
        raise WorkflowError("This pathway is already open.")
    if not acting_user.has_perm(roles.REOPEN_PATHWAY):
        raise WorkflowError("Only a consultant may reopen a pathway.")
    if not reason.strip():
        raise WorkflowError("Reopening a pathway needs a reason.")
    previous_exit = locked.exit_state
    locked.status = PathwayStatus.OPEN
    locked.exit_state = ""
    locked.exit_reason = ""
    locked.closed_at = None
    _save_state(locked, acting_user, ["status", "exit_state", "exit_reason", "closed_at"])
    StageTransition.objects.create(
        pathway=locked,
        kind=StageTransition.Kind.REOPEN,
        to_stage=locked.current_stage,
        exit_state=previous_exit,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return locked


# --- what the pathway page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class StageState:
    stage: Stage
    state: str  # "done", "in progress", "blocked", "not started", "stopped"
    reasons: list[Reason]
    entered_at: object = None

    @property
    def css(self) -> str:
        return {
            "done": "success",
            "in progress": "primary",
            "blocked": "warning",
            "stopped": "secondary",
            "not started": "light",
        }[self.state]


def timeline(pathway: Pathway) -> list[StageState]:
    """Each stage marked done, in progress, blocked or not started, with the blocking reasons."""
    current = pathway.stage
    states: list[StageState] = []
    for stage in Stage:
        if stage.index < current.index:
            states.append(StageState(stage, "done", []))
        elif stage == current:
            if not pathway.is_open:
                done = pathway.exit_state == ExitState.COMPLETED
                states.append(StageState(stage, "done" if done else "stopped", []))
                continue
            target = next_stage(stage)
            reasons = gate_reasons(pathway, target) if target else gate_complete(pathway)
            recorded = stage_record(pathway, stage) is not None
            state = "blocked" if (recorded and reasons) else "in progress"
            states.append(StageState(stage, state, reasons, pathway.stage_entered_at))
        else:
            states.append(StageState(stage, "not started", []))
    return states
