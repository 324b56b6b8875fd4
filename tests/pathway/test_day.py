"""The day and after: checklist order, levels against the consent, sign-in re-checks and override,
the recovery gate, the discharge gate (G6), complications on consent, follow-ups due and overdue,
completion (G7) and re-referral, the discharge advice sheet."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pathway import workflow
from pathway.complications import services as complications_services
from pathway.core.gating import GateClosed, WorkflowError
from pathway.follow_up import gates as follow_up_gates
from pathway.follow_up import services as follow_up_services
from pathway.models import (
    ChecklistPhase,
    ExitState,
    FollowUp,
    Pathway,
    Procedure,
    SafetyChecklistItem,
    Stage,
    TreatedLevel,
    dap_in_gy_cm2,
)
from pathway.procedure import gates as procedure_gates
from pathway.procedure import services as procedure_services
from pathway.procedure.forms import SedationDrugsField
from pathway.recovery import discharge_sheet as recovery_discharge_sheet
from pathway.recovery import gates as recovery_gates
from pathway.recovery import services as recovery_services
from tests.factories import (
    AntithromboticMedicineFactory,
    ComplicationFactory,
    FollowUpFactory,
    ObservationSetFactory,
    PathwayFactory,
    ProcedureFactory,
    RecoveryFactory,
    TreatedLevelFactory,
)
from tests.pathway.day_helpers import ago, all_yes, answer, make_day_pathway

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(reference_data):
    return make_day_pathway()


def _fill_procedure(pathway, operator):
    procedure = pathway.procedure
    ProcedureFactory._meta.model.objects.filter(pk=procedure.pk).update(
        operator=operator,
        started_at=ago(60),
        ended_at=ago(20),
        guidance=["fluoro_biplane"],
        sedation_drugs=[{"drug": "midazolam", "dose": "2", "unit": "mg", "route": "IV", "time": "09:05"}],
    )
    pathway.procedure.refresh_from_db()


def _level(pathway, user, level="T12", **kwargs):
    treated = TreatedLevel(
        level=level,
        approach="transpedicular",
        laterality="bipedicular",
        needle_gauge=11,
        cement_product="PMMA",
        cement_lot="LOT1",
        cement_expiry=timezone.localdate() + datetime.timedelta(days=100),
        cement_volume_ml=kwargs.pop("volume", Decimal("4.0")),
        **kwargs,
    )
    return procedure_services.record_treated_level(acting_user=user, pathway=pathway, treated_level=treated)


def test_the_ready_pathway_passes_the_procedure_gate(day):
    assert procedure_gates.gate_procedure(day) == []
    assert procedure_gates.consented_levels(day) == ["T12"]


# --- checklist order ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "phase", "reason"),
    [
        ([], "time_out", "The sign in must be complete before the time out."),
        ([], "sign_out", "The time out must be complete before the sign out."),
        (["sign_in"], "sign_out", "The time out must be complete before the sign out."),
    ],
)
def test_checklist_phases_go_in_order(day, radiologist, consultant, done, phase, reason):
    for earlier in done:
        answer(day, earlier, radiologist)
    with pytest.raises(GateClosed) as exc:
        answer(day, phase, consultant, override_reason="Going ahead anyway.")
    assert exc.value.reasons == [reason]
    assert not SafetyChecklistItem.objects.filter(phase=phase).exists()


def test_each_answer_records_who_and_when(day, radiologist):
    assert answer(day, "sign_in", radiologist) == []
    rows = SafetyChecklistItem.objects.filter(procedure__pathway=day, phase="sign_in")
    assert rows.count() == 11
    assert {r.answered_by for r in rows} == {radiologist}
    assert all(r.answered_at <= timezone.now() for r in rows)
    assert day.procedure.phase_complete(ChecklistPhase.SIGN_IN)


def test_a_no_answer_records_the_phase_but_leaves_it_incomplete(day, radiologist):
    answers = {**all_yes("sign_in"), "iv_access": "no"}
    assert answer(day, "sign_in", radiologist, answers=answers) == ["IV access in place"]
    procedure = Procedure.objects.get(pathway=day)
    assert not procedure.phase_complete(ChecklistPhase.SIGN_IN)
    with pytest.raises(GateClosed, match="The sign in must be complete before the time out."):
        answer(Pathway.objects.get(pk=day.pk), "time_out", radiologist)


def test_not_applicable_only_where_allowed(day, radiologist):
    answers = {**all_yes("sign_in"), "identity": "na"}
    with pytest.raises(Exception, match="cannot be marked not applicable"):
        answer(day, "sign_in", radiologist, answers=answers)


# --- sign in re-checks and the consultant override --------------------------------------------------


def test_sign_in_needs_the_pregnancy_status_today(day, radiologist):
    with pytest.raises(GateClosed) as exc:
        answer(day, "sign_in", radiologist, pregnancy_status="")
    assert exc.value.reasons == ["The pregnancy status has not been checked today."]


def test_sign_in_refused_when_the_ready_gate_closes(reference_data, radiologist):
    pathway = make_day_pathway(inr=Decimal("2.1"))
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", radiologist)
    assert exc.value.reasons == procedure_gates.gate_procedure(pathway)
    assert any("INR" in r for r in exc.value.reasons)


def test_consultant_overrides_a_closed_sign_in_with_a_reason(day, radiologist, consultant):
    with pytest.raises(GateClosed):
        answer(day, "sign_in", radiologist, pregnancy_status="possibly_pregnant", override_reason="Because.")
    answer(day, "sign_in", consultant, pregnancy_status="possibly_pregnant", override_reason="Test negative at 08:10.")
    procedure = Procedure.objects.get(pathway=day)
    assert procedure.phase_complete(ChecklistPhase.SIGN_IN)
    assert procedure.sign_in_overridden_by == consultant
    assert procedure.sign_in_override_reason == "Test negative at 08:10."
    assert procedure.sign_in_overridden_reasons == [
        "Pregnancy status today: possibly pregnant; a consultant must decide whether to go ahead."
    ]


def test_an_override_needs_a_written_reason(day, consultant):
    with pytest.raises(GateClosed):
        answer(day, "sign_in", consultant, pregnancy_status="", override_reason="   ")


def test_levels_not_on_the_consent_cannot_be_overridden(reference_data, consultant):
    pathway = make_day_pathway(levels=("T12", "L1"), consented=("T12",))
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", consultant, override_reason="Patient agreed verbally.")
    assert "Planned level(s) not on the consent: L1." in exc.value.reasons
    assert not Procedure.objects.filter(pathway=pathway, sign_in_overridden_by__isnull=False).exists()


# --- treated levels -------------------------------------------------------------------------------


def test_no_level_before_the_time_out(day, radiologist):
    answer(day, "sign_in", radiologist)
    with pytest.raises(GateClosed) as exc:
        _level(day, radiologist)
    assert exc.value.reasons == ["No level can be recorded before the time out is complete."]


def test_a_level_outside_the_consent_is_refused(day, radiologist):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    with pytest.raises(GateClosed) as exc:
        _level(day, radiologist, level="L1")
    assert exc.value.reasons == ["L1 is not on the patient's consent: it needs fresh consent first."]
    assert not TreatedLevel.objects.exists()


def test_a_consented_level_is_recorded_with_volume_and_leak_warnings(day, radiologist):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    warnings = _level(day, radiologist, volume=Decimal("7.5"), leak_seen=True, leak_sites=["epidural"])
    assert warnings == [
        "T12: 7.5 mL is above 7.00 mL, where cement reaching the lungs became more likely; watch for "
        "breathlessness and chest pain.",
        "T12: cement in the spinal canal or a foramen; check leg power and sensation more often.",
    ]
    with pytest.raises(GateClosed, match="T12 is already recorded."):
        _level(day, radiologist)


def test_no_warning_at_the_volume_threshold(day, radiologist):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    assert _level(day, radiologist, volume=Decimal("7.0")) == []


# --- sign out and the recovery gate ---------------------------------------------------------------


def test_sign_out_needs_the_procedure_recorded(day, radiologist):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    with pytest.raises(GateClosed) as exc:
        answer(day, "sign_out", radiologist)
    assert exc.value.reasons == [
        "The operator is not recorded.",
        "The start and end times are not recorded.",
        "The imaging guidance is not recorded.",
        "Sedation was planned but no sedation drug is recorded.",
        "No treated level is recorded.",
    ]


def test_recovery_gate_opens_only_after_the_sign_out(day, radiologist, consultant):
    assert procedure_gates.gate_recovery(day) == ["Procedure not yet recorded."]
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    _level(day, radiologist)
    assert procedure_gates.gate_recovery(day) == ["The sign out of the safety checklist is not complete."]
    with pytest.raises(GateClosed):
        workflow.advance(pathway=day, to_stage=Stage.RECOVERY, acting_user=consultant, override_reason="Urgent.")
    _fill_procedure(day, consultant)
    answer(day, "sign_out", radiologist)
    assert procedure_gates.gate_recovery(day) == []
    with pytest.raises(GateClosed, match="The sign out is complete; no more levels can be recorded."):
        _level(day, radiologist, level="T12")
    moved = workflow.advance(pathway=day, to_stage=Stage.RECOVERY, acting_user=radiologist)
    assert moved.stage == Stage.RECOVERY


# --- discharge gate (G6) --------------------------------------------------------------------------


def _recovery_pathway(**recovery_kwargs):
    procedure = ProcedureFactory(
        pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=recovery_kwargs.pop("ct_reviewer")
    )
    recovery = RecoveryFactory(pathway=procedure.pathway, **recovery_kwargs)
    return procedure.pathway, recovery


@pytest.mark.parametrize(
    ("recovery_kwargs", "observations", "reasons"),
    [
        ({}, [{}], []),
        ({}, [], ["No observations are recorded.", "Leg power and sensation have not been checked."]),
        (
            {"bed_rest_started_at": ago(100), "bed_rest_ended_at": ago(10), "first_mobilised_at": ago(5)},
            [{}],
            ["Bed rest lasted 1 h 30 min; at least 2 hours are needed."],
        ),
        (
            {"bed_rest_started_at": None, "bed_rest_ended_at": None, "first_mobilised_at": None},
            [{}],
            ["Bed rest start and end are not recorded."],
        ),
        (
            {},
            [{"pulse": 115, "respiration_rate": 22, "spo2": 94}],
            ["The latest NEWS2 score is 5; discharge needs 4 or less."],
        ),
        ({}, [{"systolic_bp": 88}], ["The latest observations score 3 in a single parameter."]),
        ({}, [{}, {"pulse": 95}], ["The NEWS2 score is rising (0 then 1)."]),
        (
            {},
            [{"consciousness": "C"}],
            [
                "The latest observations score 3 in a single parameter.",
                "The patient is not alert in the latest observations.",
            ],
        ),
        ({}, [{}, {"left_leg_power": 4}], ["Leg power or sensation is worse than at the first check."]),
        ({}, [{}, {"right_leg_sensation": "altered"}], ["Leg power or sensation is worse than at the first check."]),
        ({"pain_controlled": False}, [{}], ["Pain is not controlled on oral painkillers."]),
        ({"mobilised_safely": False}, [{}], ["The patient has not mobilised safely."]),
        ({"puncture_site_dry": False}, [{}], ["The puncture site is not dry."]),
        (
            {"responsible_adult_confirmed": False},
            [{}],
            ["No responsible adult is confirmed to take the patient home and stay overnight."],
        ),
        (
            {"advice_no_driving": False, "advice_no_aspirin": False},
            [{}],
            ["Discharge advice not yet given: no driving for 24 hours; no aspirin for 24 hours."],
        ),
    ],
)
def test_discharge_gate(reference_data, consultant, recovery_kwargs, observations, reasons):
    pathway, recovery = _recovery_pathway(ct_reviewer=consultant, **recovery_kwargs)
    for minutes, obs in zip(range(len(observations) * 10, 0, -10), observations, strict=True):
        ObservationSetFactory(recovery=recovery, taken_at=ago(minutes), **obs)
    assert [item.reason for item in recovery_gates.discharge_items(pathway) if not item.met] == reasons
    # Moving on is the discharge itself: only recovery_services.discharge makes it.
    assert recovery_gates.gate_follow_up(pathway) == [
        *reasons,
        "Discharge the patient from the recovery page, which books the follow-up.",
    ]


@pytest.mark.parametrize(
    ("ct", "reason"),
    [
        ({"ct_reviewer": None}, "The post-procedure CT has not been reviewed."),
        ({"post_ct_leak_needs_action": True}, "The post-procedure CT shows a leak needing action."),
    ],
)
def test_discharge_gate_post_ct(reference_data, consultant, ct, reason):
    reviewer = ct.get("ct_reviewer", consultant)
    procedure = ProcedureFactory(
        post_ct_reviewed_by=reviewer, post_ct_leak_needs_action=ct.get("post_ct_leak_needs_action", False)
    )
    recovery = RecoveryFactory(pathway=procedure.pathway)
    ObservationSetFactory(recovery=recovery)
    assert [item.reason for item in recovery_gates.discharge_items(procedure.pathway) if not item.met] == [reason]


def test_discharge_books_the_follow_up_and_moves_on(reference_data, nurse, consultant):
    pathway, recovery = _recovery_pathway(ct_reviewer=consultant)
    ObservationSetFactory(recovery=recovery)
    follow_up = recovery_services.discharge(acting_user=nurse, pathway=pathway)
    pathway.refresh_from_db()
    assert pathway.stage == Stage.FOLLOW_UP
    day = pathway.procedure.procedure_day
    assert follow_up.due_on == day + datetime.timedelta(days=28)
    assert follow_up.window_opens_on == day + datetime.timedelta(days=21)
    assert follow_up.window_closes_on == day + datetime.timedelta(days=42)
    recovery.refresh_from_db()
    assert recovery.discharged_by == nurse


def test_a_closed_discharge_gate_leaves_nothing_behind(reference_data, nurse, consultant):
    pathway, recovery = _recovery_pathway(ct_reviewer=consultant, puncture_site_dry=False)
    ObservationSetFactory(recovery=recovery)
    with pytest.raises(GateClosed) as exc:
        recovery_services.discharge(acting_user=nurse, pathway=pathway)
    assert exc.value.reasons == ["The puncture site is not dry."]
    recovery.refresh_from_db()
    assert recovery.discharged_at is None
    assert not FollowUp.objects.exists()
    recovery_services.discharge(acting_user=consultant, pathway=pathway, override_reason="Small ooze; dressing applied.")
    pathway.refresh_from_db()
    assert pathway.stage == Stage.FOLLOW_UP
    assert pathway.transitions.last().overridden


# --- complications --------------------------------------------------------------------------------


def _risk(code):
    from consent.models import Risk

    return Risk.objects.get(code=code)


def test_complication_on_consent_is_read_from_the_consent(reference_data, radiologist):
    pathway = make_day_pathway()
    complication = ComplicationFactory(pathway=pathway, risk=_risk("cement_leak"), other_type="")
    assert complication.on_consent is True


def test_complication_not_on_consent(reference_data):
    pathway = make_day_pathway()
    consent = pathway.consents.get()
    consent.explained_risks.filter(risk__code="canal_leak").update(discussed=False)
    assert ComplicationFactory(pathway=pathway, risk=_risk("canal_leak"), other_type="").on_consent is False
    assert ComplicationFactory(pathway=pathway, other_type="Fall on the ward").on_consent is None


def test_complication_without_any_consent_is_unknown(reference_data):
    from tests.pathway.day_helpers import seed_library

    seed_library()
    assert ComplicationFactory(risk=_risk("cement_leak"), other_type="").on_consent is None


@pytest.mark.parametrize(
    ("grade_system", "grade", "major"),
    [("cirse", "2", False), ("cirse", "3", True), ("sir", "B", False), ("sir", "C", True)],
)
def test_major_grades(grade_system, grade, major):
    assert ComplicationFactory.build(grade_system=grade_system, grade=grade).is_major is major


def test_grade_must_belong_to_the_system():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="grading system"):
        ComplicationFactory.build(grade_system="sir", grade="3", pathway=PathwayFactory.build()).full_clean(
            exclude=["pathway"]
        )


@pytest.mark.parametrize(("days_ago", "refused"), [(0, False), (365, False), (366, True)])
def test_complications_recordable_for_12_months_even_when_closed(reference_data, nurse, days_ago, refused):
    procedure = ProcedureFactory(
        started_at=timezone.now() - datetime.timedelta(days=days_ago, hours=2),
        ended_at=timezone.now() - datetime.timedelta(days=days_ago, hours=1),
    )
    Pathway.objects.filter(pk=procedure.pathway_id).update(
        status="closed", exit_state=ExitState.COMPLETED, closed_at=timezone.now()
    )
    pathway = Pathway.objects.get(pk=procedure.pathway_id)
    complication = ComplicationFactory.build(detected_at_stage="late")
    if refused:
        with pytest.raises(WorkflowError, match="More than 365 days have passed"):
            complications_services.record_complication(acting_user=nurse, pathway=pathway, complication=complication)
    else:
        complications_services.record_complication(acting_user=nurse, pathway=pathway, complication=complication)
        assert pathway.complications.count() == 1


def test_no_complication_before_a_procedure(reference_data, nurse):
    with pytest.raises(WorkflowError, match="No procedure is recorded"):
        complications_services.record_complication(
            acting_user=nurse, pathway=PathwayFactory(), complication=ComplicationFactory.build()
        )


# --- follow-ups due and overdue -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in_days", "status"),
    [(8, "not yet due"), (7, "due"), (0, "due"), (-14, "due"), (-15, "overdue")],
)
def test_follow_up_due_and_overdue(reference_data, due_in_days, status):
    today = timezone.localdate()
    follow_up = FollowUpFactory(due_on=today + datetime.timedelta(days=due_in_days))
    assert follow_up.status_on(today) == status
    assert FollowUp.objects.overdue(today).exists() is (status == "overdue")
    assert FollowUp.objects.due(today).exists() is (status == "due")
    assert FollowUp.objects.not_yet_due(today).exists() is (status == "not yet due")


def test_overdue_excludes_done_and_closed(reference_data):
    today = timezone.localdate()
    late = today - datetime.timedelta(days=30)
    FollowUpFactory(due_on=late, completed_at=timezone.now())
    closed = FollowUpFactory(due_on=late)
    Pathway.objects.filter(pk=closed.pathway_id).update(status="closed", exit_state=ExitState.DECEASED)
    overdue = FollowUpFactory(due_on=late)
    assert list(FollowUp.objects.overdue(today)) == [overdue]


# --- completion (G7) and re-referral --------------------------------------------------------------


def test_completion_gate_lists_what_is_missing(reference_data):
    follow_up = FollowUpFactory()
    assert follow_up_gates.gate_complete(follow_up.pathway) == [
        "The date of the follow-up review is not recorded.",
        "Pain now, at rest and on activity, is not recorded.",
        "The Oswestry Disability Index needs at least 8 of its 10 sections.",
        "Analgesic use is not recorded.",
        "Whether there has been a new fracture is not recorded.",
        "Whether there have been complications since discharge is not recorded.",
        "The bone-health plan is not confirmed.",
        "The outcome (discharge or re-referral) is not chosen.",
    ]


def test_a_new_fracture_must_be_re_referred(reference_data):
    follow_up = FollowUpFactory(recorded=True, new_fracture=True, new_fracture_details="L2, last week")
    assert follow_up_gates.gate_complete(follow_up.pathway) == [
        "A new fracture was reported: re-refer the patient instead of discharging."
    ]


def test_completing_closes_the_pathway(reference_data, nurse):
    follow_up = FollowUpFactory(recorded=True)
    assert follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway) is None
    pathway = Pathway.objects.get(pk=follow_up.pathway_id)
    assert (pathway.status, pathway.exit_state) == ("closed", ExitState.COMPLETED)
    follow_up.refresh_from_db()
    assert follow_up.completed_by == nurse
    assert follow_up.odi.percent == Decimal("17.8")  # 8 of 45


def test_re_referral_opens_a_new_pathway_for_the_same_patient(reference_data, nurse, consultant):
    follow_up = FollowUpFactory(
        recorded=True,
        new_fracture=True,
        new_fracture_details="L2, 2 weeks ago",
        outcome="re_referred",
        outcome_notes="New painful L2 fracture.",
    )
    with pytest.raises(WorkflowError, match="Only a radiologist or consultant can re-refer"):
        follow_up_services.complete_follow_up(acting_user=nurse, pathway=follow_up.pathway)
    new = follow_up_services.complete_follow_up(acting_user=consultant, pathway=follow_up.pathway)
    assert new.patient_id == follow_up.pathway.patient_id
    assert new.is_open and new.stage == Stage.REFERRAL
    follow_up.refresh_from_db()
    assert follow_up.re_referral == new
    assert Pathway.objects.get(pk=follow_up.pathway_id).exit_state == ExitState.COMPLETED


def test_pain_change_against_suitability(reference_data):
    from tests.factories import SuitabilityAssessmentFactory

    follow_up = FollowUpFactory(recorded=True)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway, pain_score=8)
    change = FollowUp.objects.get(pk=follow_up.pk).pain_change
    assert (change.baseline, change.now, change.change) == (8, 3, -5)


# --- records --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "gy_cm2"),
    [
        ("12.5", "Gy.cm2", "12.500"),
        ("1250", "cGy.cm2", "12.500"),
        ("12500", "mGy.cm2", "12.500"),
        ("1250", "uGy.m2", "12.500"),
    ],
)
def test_dap_converted_to_gy_cm2(value, unit, gy_cm2):
    assert dap_in_gy_cm2(Decimal(value), unit) == Decimal(gy_cm2)


def test_fluoroscopy_time_shown_as_minutes_and_seconds():
    assert Procedure(fluoroscopy_seconds=Decimal("185")).fluoroscopy_display == "3:05"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "midazolam, 2 mg, IV, 9:05",
            [{"drug": "midazolam", "dose": "2", "unit": "mg", "route": "IV", "time": "09:05"}],
        ),
        (
            "fentanyl, 50 mcg, IV, 09:06\n\n",
            [{"drug": "fentanyl", "dose": "50", "unit": "micrograms", "route": "IV", "time": "09:06"}],
        ),
    ],
)
def test_sedation_drugs_parsed(text, parsed):
    assert SedationDrugsField().clean(text) == parsed


@pytest.mark.parametrize("text", ["midazolam 2mg", "midazolam, two mg, IV, 09:05", "midazolam, 2 mg, IV, 25:00"])
def test_bad_sedation_lines_are_field_errors(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Line 1"):
        SedationDrugsField().clean(text)


def test_observation_set_scores_news2(reference_data):
    obs = ObservationSetFactory(respiration_rate=22, on_oxygen=True, oxygen_l_min=Decimal("2"))
    assert obs.news2.total == 4
    assert obs.news2.response.band == "low"


# --- the discharge advice sheet -------------------------------------------------------------------


def test_discharge_sheet_has_the_patients_restart_dates(reference_data):
    pathway = make_day_pathway(stage=Stage.RECOVERY)
    pre = pathway.pre_assessment
    pre.no_antithrombotics = False
    pre.save()
    AntithromboticMedicineFactory(pre_assessment=pre, drug="apixaban")
    ProcedureFactory(pathway=pathway)
    restart = timezone.localdate() + datetime.timedelta(days=2)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(recovery_discharge_sheet.render(pathway))).pages)
    assert "Apixaban" in text
    assert f"{restart:%A} {restart.day} {restart:%B %Y}" in " ".join(text.split())
    assert "Do not drive for 24 hours" in text
    assert "Do not take aspirin for 24 hours" in text
    due = timezone.localdate() + datetime.timedelta(days=28)
    assert f"{due.day} {due:%B %Y}" in " ".join(text.split())


def test_consent_levels_come_from_the_consent_not_the_plan(reference_data):
    pathway = make_day_pathway(levels=("T12", "L1"), consented=("T12", "L1"))
    assert procedure_gates.consented_levels(pathway) == ["T12", "L1"]


def test_treated_level_factory_builds_a_valid_row(reference_data):
    level = TreatedLevelFactory()
    level.full_clean()
