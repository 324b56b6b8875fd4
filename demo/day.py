"""Demo records for the day and after: procedures with complete safety checklists, single and
multi-level treatments (some leaks, a few large volumes), complications of every grade, recovery
with stable and deteriorating observation sets, discharges, and follow-ups done, due and overdue.

Levels come from the MRI review's treatable levels (the planned levels). Everything is bulk-created
with history, per chunk, so `seed_demo --pathways 10000` stays fast.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from consent.models import Risk
from demo.builder import DemoPathway, register_filler
from demo.preprocedure import pregnancy_answer
from demo.rows import bulk_create_with_history, new
from pathway.anticoagulation import DRUGS
from pathway.complications.models import CIRSE_GRADES, SIR_GRADES, Complication
from pathway.core.choices import ExitState, Stage
from pathway.core.models import LEG_FIELDS, rule_values
from pathway.follow_up.models import FollowUp
from pathway.outcomes import DisabilityInstrument
from pathway.procedure.models import (
    CHECKLIST_ITEMS,
    ImagingAgeDecision,
    LastDose,
    Procedure,
    SafetyChecklistItem,
    TreatedLevel,
)
from pathway.recovery import schedule
from pathway.recovery.models import Escalation, ObservationSet, Recovery
from pathway.scores import ResponseBand

CEMENTS = ["PMMA bone cement (radiopaque)", "PMMA vertebroplasty cement, high viscosity"]
FINDINGS = [
    "Good cement fill; no leak.",
    "Good fill; small intradiscal leak, no action needed.",
    "Satisfactory fill; small paravertebral venous leak, no pulmonary cement seen.",
]
MANAGEMENT = {
    "minor": ["Observed; settled without treatment.", "Simple analgesia and reassurance.", "Pressure and dressing."],
    "major": [
        "Admitted for IV antibiotics and monitoring.",
        "Urgent MRI and spinal surgical review; decompression.",
        "Admitted to HDU for oxygen and anticoagulation.",
    ],
}


def _did_procedure(plan: DemoPathway) -> bool:
    """Treated: moved past the procedure, or at it with the day under way (some of them)."""
    if plan.reached.index > Stage.PROCEDURE.index:
        return True
    return plan.reached == Stage.PROCEDURE and not plan.exit_state and plan.rng.random() < 0.3


def _start(plan: DemoPathway, builder) -> datetime.datetime:
    day = plan.stage_dates.get(Stage.PROCEDURE, builder.today)
    if day >= timezone.localdate() or plan.reached in (Stage.PROCEDURE, Stage.RECOVERY):
        # Today's list: started a few hours ago, so nothing lies in the future.
        return timezone.now() - datetime.timedelta(hours=plan.rng.randint(3, 5), minutes=plan.rng.randint(0, 59))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(plan.rng.randint(8, 13), 0)))


def _legs(plan: DemoPathway) -> dict:
    """The sign in repeats the pre-assessment's leg checks (the baseline, domain.md 7.1)."""
    if plan.pre_assessment is None:
        return {
            "left_leg_power": 5,
            "right_leg_power": 5,
            "left_leg_sensation": "normal",
            "right_leg_sensation": "normal",
        }
    return {name: getattr(plan.pre_assessment, name) for name in LEG_FIELDS}


@register_filler(Stage.PROCEDURE)
def fill_procedure(builder, plans: list[DemoPathway]) -> None:
    users = builder.users
    operators = [users["consultant"], users["consultant2"], users["radiologist"]]
    treated = [p for p in plans if _did_procedure(p)]
    if not treated:
        return
    procedures, day_plans = [], []
    for plan in treated:
        rng = plan.rng
        levels = plan.treatable_levels() or ["T12"]
        plan.levels = levels
        # Phases in CHECKLIST_ITEMS order: team brief, sign in, time out, sign out, debrief. Past the
        # procedure: all five (the list is over). At the procedure stage today: briefed, then some only
        # signed in, some mid-procedure, some signed out; the debrief waits for the end of the list.
        plan.phases_done = 5 if plan.reached.index > Stage.PROCEDURE.index else 1 + rng.choice([1, 2, 3])
        start = _start(plan, builder)
        end = start + datetime.timedelta(minutes=25 * len(levels) + rng.randint(5, 25))
        plan.procedure_start, plan.procedure_end = start, end
        complete = plan.phases_done >= 4
        operator = getattr(plan, "operator", None) or rng.choice(operators)
        procedures.append(
            new(
                Procedure,
                pathway=plan.pathway,
                operator=operator if complete or rng.random() < 0.5 else None,
                assistant=users["radiologist"] if operator != users["radiologist"] else None,
                sedation_monitor=users["nurse"],
                radiographer="A Radiographer",
                **pregnancy_answer(plan.pathway.patient, start.date(), "pregnancy_status_on_day"),
                **_legs(plan),
                anaesthesia="la_sedation",
                sedation_drugs=[
                    {
                        "drug": "midazolam",
                        "dose": str(rng.choice([1, 2, 3])),
                        "unit": "mg",
                        "route": "IV",
                        "time": f"{timezone.localtime(start):%H:%M}",
                    },
                    {
                        "drug": "fentanyl",
                        "dose": str(rng.choice([25, 50])),
                        "unit": "micrograms",
                        "route": "IV",
                        "time": f"{timezone.localtime(start):%H:%M}",
                    },
                ],
                local_anaesthetic="Lidocaine 1% 10 mL per level",
                antibiotic="Cefazolin 2 g IV" if rng.random() < 0.7 else "",
                antibiotic_given_at=start - datetime.timedelta(minutes=20) if rng.random() < 0.7 else None,
                guidance=[rng.choice(["fluoro_biplane", "fluoro_biplane", "fluoro_single", "cone_beam_ct"])],
                started_at=start,
                ended_at=end if complete else None,
                post_ct_done=complete,
                post_ct_findings=rng.choice(FINDINGS) if complete else "",
                post_ct_reviewed_by=operator if complete and plan.reached.index > Stage.PROCEDURE.index else None,
                fluoroscopy_seconds=Decimal(rng.randint(60, 240) * len(levels)) if complete else None,
                dap_value=Decimal(rng.randint(300, 2500) * len(levels)) if complete else None,
                dap_unit=rng.choice(["cGy.cm2", "mGy.cm2"]) if complete else "",
                created_at=start - datetime.timedelta(minutes=30),
                updated_at=end,
                recorded_by=operator,
            )
        )
        if procedures[-1].antibiotic_given_at is None:
            procedures[-1].antibiotic = ""
        if procedures[-1].dap_unit == "mGy.cm2" and procedures[-1].dap_value is not None:
            procedures[-1].dap_value *= 10
        day_plans.append(plan)
    procedures = bulk_create_with_history(procedures, Procedure, default_user=users["radiologist"])
    items, levels, complications = [], [], []
    for procedure, plan in zip(procedures, day_plans, strict=True):
        rng = plan.rng
        phase_times = [
            plan.procedure_start - datetime.timedelta(minutes=45),
            plan.procedure_start - datetime.timedelta(minutes=15),
            plan.procedure_start,
            plan.procedure_end,
            min(plan.procedure_end + datetime.timedelta(minutes=60), timezone.now()),
        ]
        for index, (phase, phase_items) in enumerate(CHECKLIST_ITEMS.items()):
            if index >= plan.phases_done:
                break
            by = procedure.operator or procedure.recorded_by
            for item in phase_items:
                items.append(
                    new(
                        SafetyChecklistItem,
                        procedure=procedure,
                        phase=phase,
                        item=item.code,
                        response="na" if item.na_allowed and rng.random() < 0.4 else "yes",
                        answered_by=by,
                        answered_at=phase_times[index],
                        created_at=phase_times[index],
                        updated_at=phase_times[index],
                        recorded_by=by,
                    )
                )
        if plan.phases_done >= 3:
            for level in plan.levels:
                leak = rng.random() < 0.3
                sites = [rng.choice(["intradiscal", "venous", "venous", "soft_tissue", "foraminal"])] if leak else []
                levels.append(
                    new(
                        TreatedLevel,
                        procedure=procedure,
                        level=level,
                        approach="transpedicular" if rng.random() < 0.85 else "parapedicular",
                        laterality=rng.choice(["bipedicular", "bipedicular", "left", "right"]),
                        needle_gauge=rng.choice([11, 11, 13]),
                        cement_product=rng.choice(CEMENTS),
                        cement_lot=f"L{rng.randint(10000, 99999)}",
                        cement_expiry=plan.procedure_start.date() + datetime.timedelta(days=rng.randint(60, 500)),
                        cement_volume_ml=Decimal(rng.randint(20, 85)) / 10,
                        leak_seen=leak,
                        leak_sites=sites,
                        injection_stopped_for_leak=leak and rng.random() < 0.3,
                        created_at=plan.procedure_start,
                        updated_at=plan.procedure_start,
                        recorded_by=procedure.recorded_by,
                    )
                )
        complications += _complications(plan, builder)
    _sign_in_records(builder, procedures, day_plans)
    bulk_create_with_history(items, SafetyChecklistItem, default_user=users["radiologist"])
    bulk_create_with_history(levels, TreatedLevel, default_user=users["radiologist"])
    bulk_create_with_history(complications, Complication, default_user=users["nurse"])


def _sign_in_records(builder, procedures: list[Procedure], plans: list[DemoPathway]) -> None:
    """What every demo sign in recorded besides its answers: the last dose actually taken of each
    antithrombotic, the day before its hold began (domain.md 4.3), and, for a scan older than the
    rule on the procedure date, a consultant's decision to proceed (domain.md 3)."""
    limit = int(rule_values()["imaging_age_warn_days"])
    doses, decisions = [], []
    medicines = [
        (medicine, procedure) for procedure, plan in zip(procedures, plans, strict=True) for medicine in plan.medicines
    ]
    for medicine, procedure in medicines:
        rule = DRUGS.get(medicine.drug)
        band = rule.bands[-1] if rule else None
        # Stopped in good time: a full day more than the longest hold of the drug.
        days = (band.hold_days if band and band.hold_days else 1) + 2
        taken = procedure.started_at - datetime.timedelta(days=days)
        doses.append(
            new(
                LastDose,
                procedure=procedure,
                medicine=medicine,
                last_taken_at=taken,
                created_at=procedure.created_at,
                updated_at=procedure.created_at,
                recorded_by=procedure.recorded_by,
            )
        )
    consultant = builder.users["consultant"]
    for procedure, plan in zip(procedures, plans, strict=True):
        scan = plan.scan
        day = timezone.localdate(procedure.started_at)
        if scan is not None and (day - scan.scanned_on).days > limit:
            at = procedure.created_at - datetime.timedelta(minutes=10)
            decisions.append(
                new(
                    ImagingAgeDecision,
                    pathway_id=procedure.pathway_id,
                    scan=scan,
                    procedure_on=day,
                    decision="proceed",
                    reason="Pain unchanged at the same level; no new symptoms. Proceed on the existing MRI.",
                    decided_by=consultant,
                    decided_at=at,
                    created_at=at,
                    updated_at=at,
                    recorded_by=consultant,
                )
            )
    bulk_create_with_history(doses, LastDose, default_user=builder.users["radiologist"])
    bulk_create_with_history(decisions, ImagingAgeDecision, default_user=consultant)


def _risk_ids() -> list[int]:
    return list(Risk.objects.order_by("order", "code").values_list("pk", flat=True))


def _complications(plan: DemoPathway, builder) -> list[Complication]:
    """About one procedure in ten has a complication; grades spread over both systems."""
    rng = plan.rng
    if plan.phases_done < 3 or rng.random() > 0.1:
        return []
    cache = builder.__dict__.setdefault("_demo_risk_ids", _risk_ids())
    system = rng.choice(["cirse", "sir"])
    grades = [g for g, _ in (CIRSE_GRADES if system == "cirse" else SIR_GRADES)]
    # Death only on pathways that ended with the patient's death.
    grades = grades if plan.exit_state == ExitState.DECEASED else grades[:-1]
    grade = rng.choices(grades, weights=[8, 5, 3, 2, 1, 1][: len(grades)])[0]
    major = grade in {"3", "4", "5", "6", "C", "D", "E", "F"}
    detected = "procedure"
    onset = plan.procedure_start + datetime.timedelta(minutes=20)
    if plan.reached.index >= Stage.FOLLOW_UP.index and rng.random() < 0.5:
        detected = "follow_up"
        onset = plan.procedure_start + datetime.timedelta(days=rng.randint(3, 20))
    elif plan.reached.index >= Stage.RECOVERY.index and rng.random() < 0.5:
        detected = "recovery"
        onset = plan.procedure_start + datetime.timedelta(hours=1)
    onset = min(onset, timezone.now() - datetime.timedelta(minutes=5))
    use_library = cache and rng.random() < 0.8
    return [
        new(
            Complication,
            pathway=plan.pathway,
            risk_id=rng.choice(cache) if use_library else None,
            other_type=""
            if use_library
            else rng.choice(["Vasovagal episode", "Fall on the ward", "Urinary retention"]),
            onset_at=onset,
            detected_at_stage=detected,
            related_level=plan.levels[0],
            grade_system=system,
            grade=grade,
            management=rng.choice(MANAGEMENT["major" if major else "minor"]),
            outcome="died" if grade in {"6", "F"} else ("lasting" if grade in {"4", "5", "E"} else "resolved"),
            reported_incident_system=major,
            created_at=onset,
            updated_at=onset,
            recorded_by=builder.users["nurse"],
        )
    ]


def _obs(recovery, at, rng, *, worse: int = 0, legs: bool = True) -> ObservationSet:
    """An observation set; `worse` 0 is stable, 1 a little off, 2 deteriorating (NEWS2 5+)."""
    return new(
        ObservationSet,
        recovery=recovery,
        taken_at=at,
        respiration_rate=[rng.randint(12, 18), rng.randint(19, 21), rng.randint(22, 26)][worse],
        spo2=[rng.randint(95, 99), rng.randint(94, 96), rng.randint(90, 93)][worse],
        on_oxygen=worse == 2,
        oxygen_l_min=Decimal("2") if worse == 2 else None,
        systolic_bp=[rng.randint(115, 150), rng.randint(105, 118), rng.randint(92, 104)][worse],
        diastolic_bp=rng.randint(60, 85),
        pulse=[rng.randint(58, 88), rng.randint(85, 96), rng.randint(105, 118)][worse],
        consciousness="A",
        temperature_c=Decimal(rng.randint(362, 374)) / 10 if worse < 2 else Decimal(rng.randint(380, 386)) / 10,
        pain_nrs=rng.randint(1, 4) + worse,
        # Deteriorating: the left leg weaker than before the procedure (a fall from the baseline).
        left_leg_power=(3 if worse == 2 else 5) if legs else None,
        right_leg_power=5 if legs else None,
        left_leg_sensation="normal" if legs else "",
        right_leg_sensation="normal" if legs else "",
        puncture_site="dry",
        created_at=at,
        updated_at=at,
        recorded_by=recovery.recorded_by,
    )


@register_filler(Stage.RECOVERY)
def fill_recovery(builder, plans: list[DemoPathway]) -> None:
    nurse = builder.users["nurse"]
    recovered = [p for p in plans if p.reached.index >= Stage.RECOVERY.index and hasattr(p, "procedure_end")]
    records = []
    for plan in recovered:
        rng = plan.rng
        arrived = plan.procedure_end + datetime.timedelta(minutes=5)
        discharged = plan.reached.index > Stage.RECOVERY.index
        overnight = discharged and rng.random() < 0.08
        rest_end = arrived + datetime.timedelta(minutes=rng.choice([120, 135, 150, 180, 240]))
        now = timezone.now()
        records.append(
            new(
                Recovery,
                pathway=plan.pathway,
                arrived_at=arrived,
                bed_rest_started_at=arrived,
                bed_rest_ended_at=rest_end if (discharged or rest_end < now) else None,
                first_mobilised_at=rest_end + datetime.timedelta(minutes=10) if discharged else None,
                pain_controlled=discharged,
                mobilised_safely=discharged,
                puncture_site_dry=discharged or rng.random() < 0.7,
                responsible_adult_confirmed=discharged or rng.random() < 0.8,
                overnight_stay=overnight,
                overnight_reason=rng.choice(["warfarin", "clinical", "social"]) if overnight else "",
                **{
                    f"advice_{name}": discharged
                    for name in (
                        "no_driving",
                        "adult_overnight",
                        "no_aspirin",
                        "painkillers",
                        "anticoagulants",
                        "warning_signs",
                        "contact",
                        "bone_health",
                        "follow_up",
                    )
                },
                advice_given_by=nurse if discharged else None,
                advice_given_at=rest_end if discharged else None,
                discharged_at=rest_end + datetime.timedelta(minutes=30, days=1 if overnight else 0)
                if discharged
                else None,
                discharged_by=nurse if discharged else None,
                created_at=arrived,
                updated_at=rest_end if discharged else arrived,
                recorded_by=nurse,
            )
        )
    records = bulk_create_with_history(records, Recovery, default_user=nurse)
    observations = []
    rules = rule_values()
    now = timezone.now()
    for recovery, plan in zip(records, recovered, strict=True):
        rng = plan.rng
        discharged = plan.reached.index > Stage.RECOVERY.index
        # In recovery now: a fifth are deteriorating; after discharge the sets were stable.
        trend = [0, 0, 0, 1] if discharged or rng.random() < 0.8 else [0, 1, 2, 2]
        # On the post-sedation timetable (domain.md 7.1, the recovery_obs_* rules), up to the
        # discharge or now: a few minutes late at most, within the grace, so none is missed.
        until = recovery.discharged_at or now
        times = [t for t in schedule.due_times(recovery.arrived_at, until, rules) if t <= until]
        count = len(times)
        for i, due in enumerate(times):
            at = min(due + datetime.timedelta(minutes=rng.randint(0, 3)), until)
            worse = 0 if discharged and i >= count - 2 else trend[min(i, 3)]
            observations.append(_obs(recovery, at, rng, worse=worse, legs=i % 2 == 0 or i == count - 1))
    observations = bulk_create_with_history(observations, ObservationSet, default_user=nurse)
    _escalations(observations, nurse)


def _escalations(observations: list[ObservationSet], nurse) -> None:
    """An urgent or emergency NEWS2 (RCP Chart 4 [R70]) opens an escalation; after a discharge it was
    closed (the discharge needs it), while a patient still in recovery may have one open."""
    rows = []
    for obs in observations:
        band = obs.news2.response.band
        if band not in (ResponseBand.MEDIUM, ResponseBand.HIGH):
            continue
        discharged = obs.recovery.discharged_at is not None
        called = obs.taken_at + datetime.timedelta(minutes=3)
        rows.append(
            new(
                Escalation,
                recovery=obs.recovery,
                observation=obs,
                news2_total=obs.news2.total,
                band=band,
                called_who="Dr K Shah, medical registrar" if discharged else "",
                called_at=called if discharged else None,
                outcome="reviewed" if discharged else "",
                outcome_notes="Reviewed at the bedside; fluids; observations settled." if discharged else "",
                closed_at=called + datetime.timedelta(minutes=30) if discharged else None,
                closed_by=nurse if discharged else None,
                created_at=obs.taken_at,
                updated_at=obs.taken_at,
                recorded_by=nurse,
            )
        )
    bulk_create_with_history(rows, Escalation, default_user=nurse)


@register_filler(Stage.FOLLOW_UP)
def fill_follow_up(builder, plans: list[DemoPathway]) -> None:
    rules = rule_values()
    nurse = builder.users["nurse"]
    records = []
    for plan in plans:
        if plan.reached != Stage.FOLLOW_UP or not hasattr(plan, "procedure_start"):
            continue
        rng = plan.rng
        day = timezone.localdate(plan.procedure_start)
        due = day + datetime.timedelta(days=int(rules["follow_up_day"]))
        done = plan.exit_state == ExitState.COMPLETED
        record = new(
            FollowUp,
            pathway=plan.pathway,
            due_on=due,
            window_opens_on=due - datetime.timedelta(days=int(rules["follow_up_window_before_days"])),
            window_closes_on=due + datetime.timedelta(days=int(rules["follow_up_window_after_days"])),
            created_at=plan.procedure_end,
            updated_at=plan.procedure_end,
            recorded_by=nurse,
        )
        if done:
            reviewed = min(due + datetime.timedelta(days=rng.randint(-5, 10)), builder.today)
            better = rng.random() < 0.75
            odi = [rng.randint(0, 2) if better else rng.randint(2, 4) for _ in range(10)]
            if rng.random() < 0.3:
                odi[7] = None  # sex life often left blank
            record.reviewed_on = reviewed
            record.method = rng.choice(["telephone", "telephone", "clinic"])
            record.pain_rest = rng.randint(0, 3) if better else rng.randint(3, 6)
            record.pain_activity = record.pain_rest + rng.randint(0, 2)
            for n, value in enumerate(odi, 1):
                setattr(record, f"odi_{n}", value)
            record.analgesic_use = rng.choice(["none", "non_opioid", "non_opioid", "weak_opioid"])
            record.new_fracture = False
            record.complications_since_discharge = False
            record.bone_health_confirmed = True
            record.outcome = "discharged"
            record.completed_at = timezone.make_aware(datetime.datetime.combine(reviewed, datetime.time(11, 0)))
            record.completed_by = nurse
            _against_baseline(record, plan.suitability, better)
        records.append(record)
    bulk_create_with_history(records, FollowUp, default_user=nurse)


def _against_baseline(record: FollowUp, baseline, better: bool) -> None:
    """The review on the baseline's instrument, and the stored change (domain.md 8.2); the bulk
    insert skips FollowUp.save, so the change is worked out here the way save does it."""
    if baseline is None:
        return
    record.pathway.suitability = baseline
    record.disability_instrument = baseline.disability_instrument
    if baseline.disability_instrument == DisabilityInstrument.RMDQ:
        fall = 8 if better else 2
        record.rmdq_score = max(0, baseline.rmdq_score - fall - record.pathway.pk % 4)
    record.store_change()
