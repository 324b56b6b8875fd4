"""Recovery's gate: G6, the discharge criteria (domain.md 7.3; NEWS2 Chart 4 [A][R70])."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pathway.core.choices import Stage
from pathway.core.gating import (
    ChecklistItem,
    Reason,
    checklist_item,
    missing_record,
    num,
    stage_record,
    unmet,
)
from pathway.core.models import Pathway, rule_values
from pathway.recovery.models import LegReviewOutcome


def duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def discharge_items(pathway: Pathway) -> list[ChecklistItem]:
    """Discharge criteria, gate G6 (domain.md 7.3 [I][L], NEWS2 Chart 4 [A][R70])."""
    recovery = stage_record(pathway, Stage.RECOVERY)
    if recovery is None:
        return [checklist_item("Recovery recorded", missing_record(pathway, Stage.RECOVERY)[0])]
    rules = rule_values()
    items: list[ChecklistItem] = []
    # 1. Minimum bed rest (2-4 h [L]).
    minimum = rules["bed_rest_min_hours"]
    rested = recovery.bed_rest_duration
    if rested is None:
        items.append(checklist_item("", "Bed rest start and end are not recorded."))
    elif rested < datetime.timedelta(hours=float(minimum)):
        items.append(
            checklist_item("", f"Bed rest lasted {duration(rested)}; at least {num(minimum)} hours are needed.")
        )
    else:
        items.append(checklist_item(f"Bed rest {duration(rested)}", None))
    # 2. Latest NEWS2 within the rule (0-4), no single 3, not rising, alert.
    observations = list(recovery.observations.all())
    if not observations:
        items.append(checklist_item("", "No observations are recorded."))
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
        items += [checklist_item("", p) for p in problems]
        if not problems:
            items.append(checklist_item(f"Latest NEWS2 {latest.total}, alert, not rising", None))
    # 3. Legs at the pre-procedure baseline, or a fall reviewed by a doctor [I][E][R49].
    items += legs_items(pathway, recovery, observations)
    # 4. Pain controlled, mobilised, puncture site dry [I].
    for flag, met, problem in (
        ("pain_controlled", "Pain controlled on oral painkillers", "Pain is not controlled on oral painkillers."),
        ("mobilised_safely", "Mobilised safely", "The patient has not mobilised safely."),
        ("puncture_site_dry", "Puncture site dry", "The puncture site is not dry."),
    ):
        items.append(checklist_item(met, None if getattr(recovery, flag) else problem))
    # 5. Post-procedure CT reviewed, no leak needing action [L][I].
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None or not procedure.post_ct_reviewed_by_id:
        items.append(checklist_item("", "The post-procedure CT has not been reviewed."))
    elif procedure.post_ct_leak_needs_action:
        items.append(checklist_item("", "The post-procedure CT shows a leak needing action."))
    else:
        items.append(checklist_item("Post-procedure CT reviewed", None))
    # 6. A responsible adult takes the patient home and stays overnight [L].
    items.append(
        checklist_item(
            "Responsible adult confirmed",
            None
            if recovery.responsible_adult_confirmed
            else "No responsible adult is confirmed to take the patient home and stay overnight.",
        )
    )
    items += escalation_items(recovery)
    # 7. Discharge advice given, including the anticoagulant restart plan [L][I].
    missing = recovery.advice_missing()
    items.append(
        checklist_item(
            "Discharge advice given",
            f"Discharge advice not yet given: {'; '.join(m[0].lower() + m[1:] for m in missing)}." if missing else None,
        )
    )
    return items


def escalation_items(recovery) -> list[ChecklistItem]:
    """Every urgent or emergency NEWS2 escalation closed: who was called, when, and the outcome
    (RCP Chart 4 [A][R70], domain.md 7.1). Not overridable: a discharge never leaves one open."""
    escalations = list(recovery.escalations.select_related("observation"))
    open_ones = [e for e in escalations if e.closed_at is None]
    if not open_ones:
        label = f"{len(escalations)} NEWS2 escalation(s) closed" if escalations else "No NEWS2 escalation"
        return [checklist_item(label, None)]
    return [
        checklist_item(
            "",
            Reason(
                f"The {e.band_label} NEWS2 escalation (score {e.news2_total} at "
                f"{timezone.localtime(e.observation.taken_at):%H:%M}) is not closed: record who was called, "
                "when, and the outcome.",
                overridable=False,
            ),
        )
        for e in open_ones
    ]
def baseline_legs(pathway: Pathway):
    """The last leg check before the procedure (domain.md 7.1: 'power and sensation against
    baseline'): at sign in, before sedation; else at pre-assessment. None when neither was taken."""
    for stage in (Stage.PROCEDURE, Stage.PRE_ASSESSMENT):
        record = stage_record(pathway, stage)
        if record is not None and record.has_leg_checks:
            return record
    return None


def leg_falls(pathway: Pathway, observations) -> list:
    """Recovery checks with power or sensation worse than the pre-procedure baseline."""
    baseline = baseline_legs(pathway)
    if baseline is None:
        return []
    return [o for o in observations if o.has_leg_checks and o.legs_worse_than(baseline)]


def review_after(recovery, fall):
    """The latest medical review of the legs made at or after `fall` was taken, or None."""
    reviews = [r for r in recovery.leg_reviews.all() if r.reviewed_at >= fall.taken_at]
    return reviews[-1] if reviews else None


def legs_items(pathway: Pathway, recovery, observations) -> list[ChecklistItem]:
    """Recovery leg checks against the baseline before the procedure, not the first recovery check
    (domain.md 7.1, 7.3 criterion 3 [I]). Any fall blocks discharge until a doctor's review is
    recorded after it with the outcome 'safe to go home'; that record, not an override, opens it."""
    baseline = baseline_legs(pathway)
    checked = [o for o in observations if o.has_leg_checks]
    if baseline is None:
        return [checklist_item("", "No leg power and sensation were recorded before the procedure (the baseline).")]
    if not checked:
        return [checklist_item("", "Leg power and sensation have not been checked.")]
    falls = [o for o in checked if o.legs_worse_than(baseline)]
    if not falls:
        return [checklist_item(f"Leg power and sensation at baseline ({baseline.legs_display()})", None)]
    fall = falls[-1]
    review = review_after(recovery, fall)
    if review is None:
        reason = (
            f"Leg power or sensation fell below the baseline before the procedure ({baseline.legs_display()}; "
            f"at {timezone.localtime(fall.taken_at):%H:%M}: {fall.legs_display()}): record a medical review."
        )
        return [checklist_item("", Reason(reason, overridable=False))]
    who = review.reviewed_by.display_name
    at = f"{timezone.localtime(review.reviewed_at):%H:%M}"
    if review.outcome != LegReviewOutcome.SAFE_TO_DISCHARGE:
        reason = f"Medical review of the legs by {who} at {at}: {review.get_outcome_display().lower()}."
        return [checklist_item("", Reason(reason, overridable=False))]
    return [checklist_item(f"Legs below baseline reviewed by {who} at {at}: safe to go home", None)]


def gate_follow_up(pathway: Pathway) -> list[Reason]:
    """G6: the discharge criteria (domain.md 7.3); see discharge_items. The move itself is the
    discharge (services.discharge), which also books the follow-up, so no other path may make it."""
    reasons = unmet(discharge_items(pathway))
    recovery = stage_record(pathway, Stage.RECOVERY)
    if recovery is not None and recovery.discharged_at is None:
        reasons.append(
            Reason("Discharge the patient from the recovery page, which books the follow-up.", overridable=False)
        )
    return reasons
