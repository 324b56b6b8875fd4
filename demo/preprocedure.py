"""Demo records for the stages before the procedure: suitability, MRI review, pre-assessment.

A realistic mix: suitable and unsuitable patients, concordant and non-concordant levels, bloods in
and out of range, stale results, patients on warfarin, DOACs and antiplatelets, a few allergies.
Pathways that moved past a stage get a record that passes its gate; pathways waiting at a stage
sometimes have a record that does not (yet). Everything is bulk-created with history, per chunk.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from itertools import accumulate

from django.utils import timezone

from demo.builder import DemoPathway, register_filler
from demo.rows import bulk_create_with_history, new
from pathway.core.choices import ExitState, Level, Stage
from pathway.core.models import Aetiology
from pathway.mri.models import MriLevelFinding, MriRequest, MriScan
from pathway.outcomes import DisabilityInstrument
from pathway.pre_assessment import pregnancy
from pathway.pre_assessment.models import Allergy, AntithromboticMedicine, PreAssessment
from pathway.suitability.models import SuitabilityAssessment

LEVEL_WEIGHTS = {"T11": 6, "T12": 14, "L1": 14, "L2": 8, "L3": 5, "T8": 3, "T9": 3, "T10": 4, "L4": 3, "T7": 2}
RADIOLOGIST_USERS = ("radiologist", "consultant", "consultant2")


def radiologists(builder) -> list:
    """The demo radiologists, chosen from the staff list (issue 16): the same number as the names
    typed before, so the seeded data stays the same for the same seed."""
    return [builder.users[name] for name in RADIOLOGIST_USERS]


def named(field: str, user) -> dict:
    """A staff field filled from the staff list: the printed name and the user (issue 16)."""
    if user is None:
        return {field: ""}
    return {field: user.display_name, f"{field}_user": user}
SURGEONS = ["Mr A Patel", "Ms J Okafor", "Mr D Hughes"]
ONCOLOGISTS = ["Dr L Singh", "Dr M Evans"]
TREATMENTS = [
    "Paracetamol 1 g qds and codeine 30 mg qds for 4 weeks; physiotherapy stopped by pain.",
    "Co-codamol 30/500 and a lidocaine patch for 6 weeks; morphine sulfate added, caused confusion.",
    "Paracetamol, naproxen with PPI cover, then oxycodone; still unable to walk to the bathroom.",
    "Tramadol 50 mg qds and a thoracolumbar brace for 3 weeks; pain 8/10 on movement.",
]


def _has_record(plan: DemoPathway, stage: Stage, waiting_share: float) -> bool:
    """Past the stage: always recorded. Waiting at it: recorded for some (gate not yet passed)."""
    if plan.completed_stage(stage) or (plan.exit_state and plan.reached.index > stage.index):
        return True
    return plan.reached == stage and plan.rng.random() < waiting_share


def _day(plan: DemoPathway, stage: Stage, builder, offset: int = 0) -> datetime.date:
    day = plan.stage_dates.get(stage, plan.stage_dates[Stage.REFERRAL]) + datetime.timedelta(days=offset)
    return min(day, builder.today)


_LEVELS, _LEVEL_CUMULATIVE = list(LEVEL_WEIGHTS), list(accumulate(LEVEL_WEIGHTS.values()))


def _levels(rng, count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        level = rng.choices(_LEVELS, cum_weights=_LEVEL_CUMULATIVE)[0]
        if level not in chosen:
            chosen.append(level)
    return sorted(chosen, key=Level.sort_key)


def _malignant(plan: DemoPathway) -> bool:
    return plan.pathway.aetiology in (Aetiology.METASTATIC, Aetiology.MYELOMA)


@register_filler(Stage.SUITABILITY)
def fill_suitability(builder, plans: list[DemoPathway]) -> None:
    records = []
    for plan in plans:
        if not plan.reached_stage(Stage.SUITABILITY) or not _has_record(plan, Stage.SUITABILITY, 0.6):
            continue
        rng = plan.rng
        unsuitable = plan.exit_state == ExitState.NOT_SUITABLE or (
            plan.reached == Stage.SUITABILITY and rng.random() < 0.12
        )
        if unsuitable:
            outcome = "not_suitable"
        elif plan.reached_stage(Stage.PRE_ASSESSMENT):
            outcome = "suitable"
        else:
            outcome = rng.choices(["suitable", "needs_imaging", "needs_mdt"], weights=[3, 5, 2])[0]
        agreed = plan.reached_stage(Stage.PRE_ASSESSMENT)
        mdt = agreed or (outcome == "suitable" and rng.random() < 0.5)
        relative = [] if rng.random() < 0.85 else [rng.choice(["radiculopathy", "current_infection", "improving"])]
        absolute = ["systemic_infection"] if unsuitable and rng.random() < 0.3 else []
        # A consultant records the decision (domain.md 2.3); some waiting at suitability are a trainee's
        # draft for a consultant to confirm (domain.md 10).
        draft = plan.reached == Stage.SUITABILITY and not plan.exit_state and rng.random() < 0.3
        assessed_on = _day(plan, Stage.SUITABILITY, builder, rng.randint(0, 3))
        decided_at = timezone.make_aware(datetime.datetime.combine(assessed_on, datetime.time(16, 0)))
        records.append(
            new(
                SuitabilityAssessment,
                pathway=plan.pathway,
                assessed_on=assessed_on,
                pain_score=rng.randint(2, 6) if unsuitable and rng.random() < 0.5 else rng.randint(7, 10),
                pain_at_level_on_exam=not unsuitable or rng.random() < 0.5,
                exam_findings="Midline tenderness on percussion at the suspected level.",
                suspected_levels=_levels(rng, rng.choice([1, 1, 1, 2])),
                conservative_treatment=rng.choice(TREATMENTS),
                conservative_failure_reasons=rng.sample(["pain_persists", "non_ambulatory", "no_physio"], 2),
                mobility=rng.choice(["independent", "aid", "aid", "bed_bound"]),
                neuro_exam="normal",
                absolute_contraindications=absolute,
                relative_contraindications=relative,
                relative_justification="Discussed at MDT; benefit judged to outweigh risk." if relative else "",
                mdt_on=_day(plan, Stage.MRI, builder, rng.randint(1, 5)) if mdt else None,
                **named("mdt_radiologist", rng.choice(radiologists(builder)) if mdt else None),
                mdt_spinal_surgeon=rng.choice(SURGEONS) if mdt else "",
                mdt_oncologist=rng.choice(ONCOLOGISTS) if mdt and _malignant(plan) else "",
                spinal_surgery_access=True,
                bone_health_plan=rng.choice(["referred", "already_treated", "referred", "declined"]),
                outcome=outcome,
                outcome_notes="Not concordant with examination." if unsuitable else "",
                recorded_by=builder.users["trainee" if draft else "radiologist"],
                drafted_by=builder.users["trainee"] if draft else None,
                decided_by=None if draft else builder.users["radiologist"],
                decided_at=None if draft else min(decided_at, timezone.now()),
            )
        )
        _baseline(records[-1], plan)
        plan.suitability = records[-1]
    bulk_create_with_history(records, SuitabilityAssessment, default_user=builder.users["radiologist"])


def _baseline(record: SuitabilityAssessment, plan: DemoPathway) -> None:
    """The outcome baseline (domain.md 8.2): pain on activity is the pain score, at rest a little
    lower; severe disability on the ODI, or on the RMDQ for about one patient in seven. A separate
    random stream, so the rest of the demo data is unchanged by it."""
    rng = random.Random(plan.pathway.pk * 7919 + 14)
    record.baseline_pain_activity = record.pain_score
    record.baseline_pain_rest = max(0, record.pain_score - rng.randint(1, 4))
    if rng.random() < 0.15:
        record.disability_instrument = DisabilityInstrument.RMDQ
        record.rmdq_score = rng.randint(12, 22)
        return
    record.disability_instrument = DisabilityInstrument.ODI
    for n in range(1, 11):
        setattr(record, f"odi_{n}", None if n == 8 and rng.random() < 0.3 else rng.randint(2, 5))


@register_filler(Stage.MRI)
def fill_mri(builder, plans: list[DemoPathway]) -> None:
    scans, scan_plans = [], []
    user = builder.users["radiologist"]
    for plan in plans:
        if not plan.reached_stage(Stage.MRI) or not _has_record(plan, Stage.MRI, 0.5):
            continue
        rng = plan.rng
        scans.append(
            new(
                MriScan,
                pathway=plan.pathway,
                modality="mri" if rng.random() < 0.93 else "spect_ct",
                safety_screen_done=True,
                scanned_on=_day(plan, Stage.MRI, builder, rng.randint(0, 6)),
                accession_number=f"RX{plan.pathway.pk:07d}",
                **named("reported_by", rng.choice(radiologists(builder))),
                report="Acute compression fracture with marrow oedema on STIR; no retropulsion.",
                recorded_by=user,
            )
        )
        scan_plans.append(plan)
    scans = bulk_create_with_history(scans, MriScan, default_user=user)
    _requests(builder, plans, scans)
    findings = []
    for scan, plan in zip(scans, scan_plans, strict=True):
        rng = plan.rng
        plan.scan = scan
        treatable = plan.reached_stage(Stage.PRE_ASSESSMENT) or (
            plan.exit_state != ExitState.NOT_SUITABLE and rng.random() < 0.8
        )
        for i, level in enumerate(_levels(rng, rng.choice([1, 1, 2, 2, 3]))):
            acute = treatable and i == 0 or rng.random() < 0.3
            findings.append(
                new(
                    MriLevelFinding,
                    scan=scan,
                    level=level,
                    oedema="present" if acute else rng.choice(["absent", "absent", "indeterminate"]),
                    t1_signal="low" if acute else "normal",
                    height_loss_pct=Decimal(rng.randint(10, 55)),
                    posterior_wall="intact" if rng.random() < 0.92 else "unknown",
                    intravertebral_cleft=rng.random() < 0.1,
                    cortical_disruption=rng.random() < 0.15,
                    malignancy_features="known" if _malignant(plan) else "none",
                    concordant_with_exam=acute and (treatable or rng.random() < 0.5),
                    recorded_by=user,
                )
            )
            plan.findings.append(findings[-1])
    bulk_create_with_history(findings, MriLevelFinding, default_user=user)


def _requests(builder, plans: list[DemoPathway], scans: list[MriScan]) -> None:
    """The imaging request on the day the pathway reached the MRI stage, for every pathway that did,
    scanned or still waiting: the diagnostic wait runs from it (domain.md 9 [R82])."""
    scanned = {scan.pathway_id: scan.scanned_on for scan in scans}
    requests = []
    for plan in plans:
        if not plan.reached_stage(Stage.MRI):
            continue
        requested = _day(plan, Stage.MRI, builder)
        requests.append(
            new(
                MriRequest,
                pathway=plan.pathway,
                requested_on=min(requested, scanned.get(plan.pathway.pk, requested)),
                **named("requested_by", radiologists(builder)[plan.pathway.pk % len(RADIOLOGIST_USERS)]),
                modality="mri",
                recorded_by=builder.users["radiologist"],
            )
        )
    bulk_create_with_history(requests, MriRequest, default_user=builder.users["radiologist"])


DOACS = ["apixaban", "rivaroxaban", "edoxaban", "dabigatran"]


def _antithrombotics(rng) -> list[str]:
    """About 8% on warfarin, 14% on a DOAC, and some on aspirin or clopidogrel."""
    drugs = []
    roll = rng.random()
    if roll < 0.08:
        drugs.append("warfarin")
    elif roll < 0.22:
        drugs.append(rng.choice(DOACS))
    if rng.random() < 0.15:
        drugs.append("aspirin")
    elif rng.random() < 0.05:
        drugs.append("clopidogrel")
    return drugs


def pregnancy_answer(patient, day, status_field: str) -> dict:
    """Not applicable, with the reason, where the question is skipped (a man, a woman over the age
    limit: pathway/pre_assessment/pregnancy.py); otherwise the patient says she is not pregnant."""
    reason = pregnancy.not_applicable_reason(patient, day, 55)
    status = "not_applicable" if reason else "not_pregnant_statement"
    return {status_field: status, "pregnancy_not_applicable_reason": reason}


@register_filler(Stage.PRE_ASSESSMENT)
def fill_pre_assessment(builder, plans: list[DemoPathway]) -> None:
    user = builder.users["nurse"]
    records, record_plans, record_drugs = [], [], []
    for plan in plans:
        if not plan.reached_stage(Stage.PRE_ASSESSMENT) or not _has_record(plan, Stage.PRE_ASSESSMENT, 0.6):
            continue
        rng = plan.rng
        pathway = plan.pathway
        assessed = _day(plan, Stage.PRE_ASSESSMENT, builder, rng.randint(0, 4))
        planned = pathway.planned_procedure_on
        # Waiting at pre-assessment: some results out of range, some from an old clinic letter.
        waiting = plan.reached == Stage.PRE_ASSESSMENT and not plan.exit_state
        # A few listed patients' results go out of date before the day; none that were treated.
        listed = plan.reached in (Stage.CONSENT, Stage.PROCEDURE) and not plan.exit_state
        stale = waiting and rng.random() < 0.25 or listed and rng.random() < 0.08
        sampled = assessed - datetime.timedelta(days=rng.randint(35, 60) if stale else rng.randint(0, 3))
        if planned and plan.reached_stage(Stage.CONSENT) and not stale:
            # Repeat bloods taken in the fortnight before the planned date.
            sampled = planned - datetime.timedelta(days=rng.randint(1, 14))
        sampled = min(sampled, builder.today, planned or builder.today)
        platelets = rng.randint(150, 380)
        inr = Decimal(rng.choice(["0.9", "1.0", "1.0", "1.1", "1.2"]))
        if waiting and rng.random() < 0.2:
            platelets, inr = rng.choice([(rng.randint(25, 48), inr), (platelets, Decimal(rng.choice(["1.6", "1.9"])))])
        female = pathway.patient.sex == "female"
        drugs = _antithrombotics(rng)
        records.append(
            new(
                PreAssessment,
                pathway=pathway,
                assessed_on=assessed,
                hb_g_l=Decimal(rng.randint(105, 150) if female else rng.randint(115, 165)),
                hb_sampled_on=sampled,
                platelets=platelets,
                platelets_sampled_on=sampled,
                inr=inr,
                inr_sampled_on=sampled,
                creatinine_umol_l=rng.randint(55, 160),
                egfr=rng.randint(25, 90),
                renal_sampled_on=sampled,
                asa_grade=rng.choices([1, 2, 3, 4], weights=[5, 45, 40, 10])[0],
                weight_kg=Decimal(rng.randint(42, 98)),
                ecg_done=True,
                ecg_on=assessed,
                ecg_result=rng.choices(["normal", "abnormal_acceptable"], weights=[7, 3])[0],
                fasting_instructions_given=True,
                no_known_allergies=rng.random() < 0.7,
                no_antithrombotics=not drugs,
                medicines_reconciled=True,
                **pregnancy_answer(pathway.patient, planned or assessed, "pregnancy_status"),
                interpreter_required=(interp := rng.random() < 0.06),
                interpreter_language=rng.choice(["Polish", "Punjabi", "Urdu", "Bengali"]) if interp else "",
                capacity_concern=(concern := rng.random() < 0.04),
                capacity_concern_details="Fluctuating confusion since admission; daughter holds LPA."
                if concern
                else "",
                can_lie_prone=rng.random() < 0.95,
                escort_confirmed=not waiting or rng.random() < 0.8,
                transport_home_arranged=not waiting or rng.random() < 0.85,
                # The first baseline of the legs (domain.md 7.1); a few start with a weak leg.
                left_leg_power=5 if rng.random() < 0.95 else 4,
                right_leg_power=5,
                left_leg_sensation="normal",
                right_leg_sensation="normal",
                recorded_by=user,
            )
        )
        record_plans.append(plan)
        record_drugs.append(drugs)
    records = bulk_create_with_history(records, PreAssessment, default_user=user)
    allergies, medicines = [], []
    for record, plan, drugs in zip(records, record_plans, record_drugs, strict=True):
        rng = plan.rng
        plan.pre_assessment = record
        if not record.no_known_allergies:
            for allergen in rng.sample(["contrast", "antibiotics", "latex", "sedatives_opioids", "other"], 1):
                allergies.append(
                    new(
                        Allergy,
                        pre_assessment=record,
                        allergen=allergen,
                        details="Penicillin" if allergen == "other" else "",
                        reaction=rng.choice(["Rash", "Urticaria", "Nausea", "Wheeze"]),
                        severity=rng.choice(["mild", "moderate"]),
                        recorded_by=user,
                    )
                )
        for drug in drugs:
            medicines.append(
                new(
                    AntithromboticMedicine,
                    pre_assessment=record,
                    drug=drug,
                    dose={"warfarin": "As per INR clinic", "aspirin": "75 mg once daily"}.get(drug, "Usual dose"),
                    indication="Atrial fibrillation" if drug != "aspirin" else "Secondary prevention",
                    recorded_by=user,
                )
            )
            plan.medicines.append(medicines[-1])
    bulk_create_with_history(allergies, Allergy, default_user=user)
    bulk_create_with_history(medicines, AntithromboticMedicine, default_user=user)
