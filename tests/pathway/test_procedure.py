"""The procedure: ready for the procedure (the pre-procedure items and the consent), the safety
checklist in order with who and when, the sign-in re-checks and the consultant override, treated
levels against the consent, the sign out and the gate into recovery, the procedure record (dose,
fluoroscopy time, sedation), and who may use its pages over HTTP."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway import workflow
from pathway.core.gating import GateClosed
from pathway.models import (
    ChecklistPhase,
    Pathway,
    Procedure,
    Rule,
    SafetyChecklistItem,
    Stage,
    TreatedLevel,
    dap_in_gy_cm2,
)
from pathway.mri import gates as mri_gates
from pathway.pre_assessment import gates as pre_assessment_gates
from pathway.procedure import gates as procedure_gates
from pathway.procedure import services as procedure_services
from pathway.procedure.forms import SedationDrugsField
from pathway.suitability import gates as suitability_gates
from tests.conftest import ROLES
from tests.factories import PathwayFactory, PatientFactory, ProcedureFactory, TreatedLevelFactory
from tests.pathway.day_helpers import (
    DAY_ACTION_ARGNAMES,
    ago,
    all_yes,
    answer,
    check_day_action,
    check_day_page,
    day_action_params,
    make_day_pathway,
)
from tests.pathway.preprocedure_helpers import PLANNED, unmet, update, with_drug

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


# --- ready for the procedure ------------------------------------------------------------------


def test_ready_pathway_passes_every_gate(ready):
    assert suitability_gates.gate_mri(ready) == []
    assert mri_gates.gate_pre_assessment(ready) == []
    assert pre_assessment_gates.gate_consent(ready) == []
    preprocedure = procedure_gates.preprocedure_items(ready)
    assert all(item.met for item in preprocedure), [i.reason for i in preprocedure if not i.met]


READY_CASES = [
    ("high INR", {"pre": {"inr": Decimal("1.9")}}, ["INR 1.9 is above 1.5."]),
    ("stale platelets", {"pre": {"platelets_sampled_on": PLANNED - datetime.timedelta(days=35)}},
     ["Platelets sample is 35 days old on the planned date (valid for 28 days)."]),
    ("correction plan is not enough on the day",
     {"pre": {"platelets": 45, "platelet_correction_plan": "Transfuse"}}, ["Platelets 45 are below 50."]),
    ("no planned date", {"pathway_fields": {"planned_procedure_on": None}}, ["No procedure date is planned."]),
    ("not suitable", {"suitability": {"outcome": "not_suitable"}},
     ["The suitability outcome is 'not suitable', not 'suitable'."]),
    ("no treatable level", {"finding": {"oedema": "absent"}},
     ["No MRI level shows oedema concordant with the examination."]),
    ("absolute contraindication", {"suitability": {"absolute_contraindications": ["systemic_infection"]}},
     ["Absolute contraindication: Septicaemia or active systemic infection."]),
    # Local thresholds overridden at G2 are not asked again on the day.
    ("pain below threshold", {"suitability": {"pain_score": 5}}, []),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "reasons"), READY_CASES, ids=[c[0] for c in READY_CASES])
def test_ready_for_procedure_items(ready, case, change, reasons):
    assert unmet(update(ready, **change)) == reasons


def test_ready_for_procedure_names_the_drug_without_a_plan(ready):
    ready = update(ready, pre={"creatinine_umol_l": 400})
    reasons = unmet(with_drug(ready, "apixaban"))
    assert len(reasons) == 1 and reasons[0].startswith("No plan for apixaban (creatinine clearance ")


def test_ready_for_procedure_is_a_concatenation_including_consent(ready):
    items = procedure_gates.ready_for_procedure(ready)
    assert items[: len(procedure_gates.preprocedure_items(ready))] == procedure_gates.preprocedure_items(ready)
    assert len(items) > len(procedure_gates.preprocedure_items(ready))  # consent items follow


def test_missing_records_in_readiness(reference_data):
    pathway = PathwayFactory(planned_procedure_on=PLANNED)
    assert unmet(pathway) == [
        "Suitability assessment not yet recorded.",
        "MRI review not yet recorded.",
        "Pre-assessment not yet recorded.",
    ]


def test_warfarin_inr_window_comes_from_the_rules(ready):
    ready = with_drug(ready, "warfarin")
    Rule.objects.filter(key="inr_validity_days_warfarin").update(value=Decimal("10"))
    assert unmet(ready) == []


def test_the_ready_pathway_passes_the_procedure_gate(day):
    assert procedure_gates.gate_procedure(day) == []
    assert procedure_gates.consented_levels(day) == ["T12"]


def test_consent_levels_come_from_the_consent_not_the_plan(reference_data):
    pathway = make_day_pathway(levels=("T12", "L1"), consented=("T12", "L1"))
    assert procedure_gates.consented_levels(pathway) == ["T12", "L1"]


# --- checklist order --------------------------------------------------------------------------


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


@pytest.mark.parametrize("override", ["", "Briefed in the corridor."])
def test_no_sign_in_before_the_team_brief(reference_data, consultant, override):
    """NatSSIPs (domain.md 6.1 [A][R67]): the team brief comes before the list; not even a consultant
    overrides the order."""
    pathway = make_day_pathway(briefed=False)
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", consultant, override_reason=override)
    assert exc.value.reasons == ["The team brief must be complete before the sign in."]
    assert not SafetyChecklistItem.objects.filter(phase="sign_in").exists()
    answer(pathway, "team_brief", consultant)
    assert answer(Pathway.objects.get(pk=pathway.pk), "sign_in", consultant) == []


def test_the_debrief_comes_after_the_sign_out(day, radiologist, consultant):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    with pytest.raises(GateClosed) as exc:
        answer(day, "debrief", consultant)
    assert exc.value.reasons == ["The sign out must be complete before the debrief."]
    _level(day, radiologist)
    _fill_procedure(day, consultant)
    answer(day, "sign_out", radiologist)
    answer(day, "debrief", radiologist, answers={**all_yes("debrief"), "incidents_reported": "na"})
    procedure = Procedure.objects.get(pathway=day)
    assert [p for p in ChecklistPhase if procedure.phase_complete(p)] == list(ChecklistPhase)


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


# --- sign in re-checks and the consultant override --------------------------------------------


@pytest.fixture
def young_day(reference_data):
    """A woman of 40: the pregnancy question applies (domain.md 4.4)."""
    born = timezone.localdate().replace(year=timezone.localdate().year - 40, day=1)
    return make_day_pathway(patient=PatientFactory(date_of_birth=born))


def test_sign_in_needs_the_pregnancy_status_today(young_day, radiologist):
    with pytest.raises(GateClosed) as exc:
        answer(young_day, "sign_in", radiologist, pregnancy_status="")
    assert exc.value.reasons == ["The pregnancy status has not been checked today."]


def test_sign_in_refused_when_the_ready_gate_closes(reference_data, radiologist):
    pathway = make_day_pathway(inr=Decimal("2.1"))
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", radiologist)
    assert exc.value.reasons == procedure_gates.gate_procedure(pathway)
    assert any("INR" in r for r in exc.value.reasons)


def test_consultant_overrides_a_closed_sign_in_with_a_reason(young_day, radiologist, consultant):
    day = young_day
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


def test_an_override_needs_a_written_reason(young_day, consultant):
    day = young_day
    with pytest.raises(GateClosed):
        answer(day, "sign_in", consultant, pregnancy_status="", override_reason="   ")


def test_levels_not_on_the_consent_cannot_be_overridden(reference_data, consultant):
    pathway = make_day_pathway(levels=("T12", "L1"), consented=("T12",))
    with pytest.raises(GateClosed) as exc:
        answer(pathway, "sign_in", consultant, override_reason="Patient agreed verbally.")
    assert "Planned level(s) not on the consent: L1." in exc.value.reasons
    assert not Procedure.objects.filter(pathway=pathway, sign_in_overridden_by__isnull=False).exists()


# --- treated levels ---------------------------------------------------------------------------


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


def test_treated_level_factory_builds_a_valid_row(reference_data):
    level = TreatedLevelFactory()
    level.full_clean()


# --- sign out and the recovery gate -----------------------------------------------------------


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
    assert procedure_gates.gate_recovery(make_day_pathway(briefed=False)) == ["Procedure not yet recorded."]
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


# --- records ----------------------------------------------------------------------------------


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


# --- over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    DAY_ACTION_ARGNAMES,
    day_action_params("pathway:safety_checklist", "pathway:treated_level_add"),
    indirect=["persona"],
)
def test_day_actions_by_role(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona):
    check_day_action(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona)


@pytest.mark.parametrize("url_name", ["pathway:safety_checklist", "pathway:treated_level_add"])
@pytest.mark.parametrize("persona", ROLES, indirect=True)
def test_day_pages_render_for_every_role(client, pathway_with_procedure, url_name, persona):
    check_day_page(client, pathway_with_procedure, url_name, persona)


def test_unknown_checklist_phase_is_404(client, pathway_with_procedure, radiologist):
    client.force_login(radiologist)
    assert (
        client.get(
            reverse("pathway:safety_checklist", kwargs={"pk": pathway_with_procedure.pk, "phase": "handover"})
        ).status_code
        == 404
    )


# --- the sign out with its debrief, one step (issue 16) ---------------------------------------


def _signed_out_ready(day, radiologist, consultant):
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    _level(day, radiologist)
    _fill_procedure(day, consultant)


def _sign_out_post(debrief: dict[str, str], sign_out: dict[str, str] | None = None) -> dict[str, str]:
    data = {f"item_{code}": value for code, value in (sign_out or all_yes("sign_out")).items()}
    data.update({f"debrief-item_{code}": value for code, value in debrief.items()})
    return data


@pytest.mark.parametrize(
    ("debrief", "sign_out_no", "recorded", "lands_on", "message"),
    [
        # Answered with the sign out: both recorded, then the procedure page (recovery is next).
        (all_yes("debrief"), False, {"sign_out", "debrief"}, "pathway:procedure", "Debrief complete."),
        # Left blank: the sign out alone, then the debrief's own page (as before).
        ({}, False, {"sign_out"}, "debrief", "Sign out complete."),
        # A sign out answered no: the debrief waits (its order), the procedure page says why.
        (all_yes("debrief"), True, {"sign_out"}, "pathway:procedure", "Sign out recorded but not complete"),
    ],
)
def test_the_debrief_is_recorded_with_the_sign_out(
    client, day, radiologist, consultant, debrief, sign_out_no, recorded, lands_on, message
):
    _signed_out_ready(day, radiologist, consultant)
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": day.pk, "phase": "sign_out"})
    page = client.get(url)
    assert 'id="debrief-with-sign-out"' in page.content.decode()
    sign_out = {**all_yes("sign_out"), "counts": "no"} if sign_out_no else None
    response = client.post(url, _sign_out_post(debrief, sign_out), follow=True)
    assert response.status_code == 200
    phases = set(SafetyChecklistItem.objects.filter(procedure__pathway=day).values_list("phase", flat=True))
    assert phases - {"team_brief", "sign_in", "time_out"} == recorded
    if lands_on == "debrief":
        expected = reverse("pathway:safety_checklist", kwargs={"pk": day.pk, "phase": "debrief"})
    else:
        expected = reverse(lands_on, kwargs={"pk": day.pk})
    assert response.redirect_chain[-1][0] == expected
    assert message in response.content.decode()
    day.procedure.forget_answers()
    assert day.procedure.phase_complete("debrief") == ("debrief" in recorded)


def test_a_half_answered_debrief_saves_nothing_and_says_why(client, day, radiologist, consultant):
    _signed_out_ready(day, radiologist, consultant)
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": day.pk, "phase": "sign_out"})
    response = client.post(url, _sign_out_post({"went_well": "yes"}))
    assert response.status_code == 200
    assert "Answer every item of the debrief, or leave them all for later." in response.content.decode()
    assert not SafetyChecklistItem.objects.filter(procedure__pathway=day, phase="sign_out").exists()


def _page_text(response) -> str:
    html = re.sub(r"(?s)<script.*?</script>", "", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_refused_sign_out_shows_each_reason_once(client, day, radiologist):
    """Issue 16: the sign-out refusals were shown twice (as messages and on the page). Each reason now
    shows once, above the form, with one error saying the sign out was not recorded."""
    answer(day, "sign_in", radiologist)
    answer(day, "time_out", radiologist)
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": day.pk, "phase": "sign_out"})
    response = client.post(url, {f"item_{code}": value for code, value in all_yes("sign_out").items()})
    assert response.status_code == 200
    text = _page_text(response)
    for reason in ("The operator is not recorded.", "No treated level is recorded."):
        assert text.count(reason) == 1
    assert text.count("Sign out not recorded: put right what is listed above first.") == 1
    assert not Procedure.objects.get(pk=day.procedure.pk).phase_complete(ChecklistPhase.SIGN_OUT)


def test_a_sign_out_before_the_time_out_says_so_once(client, day, radiologist):
    """The order of the phases is shown above the form, not repeated as an error."""
    answer(day, "sign_in", radiologist)
    client.force_login(radiologist)
    url = reverse("pathway:safety_checklist", kwargs={"pk": day.pk, "phase": "sign_out"})
    text = _page_text(client.post(url, {f"item_{code}": "yes" for code in all_yes("sign_out")}))
    assert text.count("The time out must be complete before the sign out.") == 1
