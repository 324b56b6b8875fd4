"""Recovery: the observations (NEWS2), the discharge gate (G6) item by item and on the post-procedure
CT, the discharge that books the follow-up (or leaves nothing behind when the gate is closed), the
discharge advice sheet, and who may use its pages and actions over HTTP."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pathway.core.gating import GateClosed
from pathway.models import FollowUp, Stage
from pathway.recovery import discharge_sheet as recovery_discharge_sheet
from pathway.recovery import gates as recovery_gates
from pathway.recovery import services as recovery_services
from tests.conftest import ROLES
from tests.factories import (
    AntithromboticMedicineFactory,
    ObservationSetFactory,
    ProcedureFactory,
    RecoveryFactory,
)
from tests.pathway.day_helpers import (
    DAY_ACTION_ARGNAMES,
    ago,
    check_day_action,
    check_day_page,
    day_action_params,
    make_day_pathway,
)

pytestmark = pytest.mark.django_db


def _recovery_pathway(**recovery_kwargs):
    procedure = ProcedureFactory(
        pathway__current_stage=Stage.RECOVERY, post_ct_reviewed_by=recovery_kwargs.pop("ct_reviewer")
    )
    recovery = RecoveryFactory(pathway=procedure.pathway, **recovery_kwargs)
    return procedure.pathway, recovery


# --- observations -----------------------------------------------------------------------------


def test_observation_set_scores_news2(reference_data):
    obs = ObservationSetFactory(respiration_rate=22, on_oxygen=True, oxygen_l_min=Decimal("2"))
    assert obs.news2.total == 4
    assert obs.news2.response.band == "low"


# --- discharge gate (G6) ----------------------------------------------------------------------


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


# --- discharge --------------------------------------------------------------------------------


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
    recovery_services.discharge(
        acting_user=consultant, pathway=pathway, override_reason="Small ooze; dressing applied."
    )
    pathway.refresh_from_db()
    assert pathway.stage == Stage.FOLLOW_UP
    assert pathway.transitions.last().overridden


# --- the discharge advice sheet ---------------------------------------------------------------


def test_discharge_sheet_has_the_patients_restart_dates(reference_data):
    pathway = make_day_pathway(stage=Stage.RECOVERY)
    pre = pathway.pre_assessment
    pre.no_antithrombotics = False
    pre.save()
    AntithromboticMedicineFactory(pre_assessment=pre, drug="apixaban")
    ProcedureFactory(pathway=pathway)
    restart = timezone.localdate() + datetime.timedelta(days=2)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(recovery_discharge_sheet.render(pathway))).pages
    )
    assert "Apixaban" in text
    assert f"{restart:%A} {restart.day} {restart:%B %Y}" in " ".join(text.split())
    assert "Do not drive for 24 hours" in text
    assert "Do not take aspirin, or anything that contains aspirin, for 24 hours" in " ".join(text.split())
    due = timezone.localdate() + datetime.timedelta(days=28)
    assert f"{due.day} {due:%B %Y}" in " ".join(text.split())


# --- over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    DAY_ACTION_ARGNAMES,
    day_action_params("pathway:observation_set_add", "pathway:discharge", "pathway:discharge_sheet"),
    indirect=["persona"],
)
def test_day_actions_by_role(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona):
    check_day_action(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona)


@pytest.mark.parametrize("url_name", ["pathway:observation_set_add"])
@pytest.mark.parametrize("persona", ROLES, indirect=True)
def test_day_pages_render_for_every_role(client, pathway_with_procedure, url_name, persona):
    check_day_page(client, pathway_with_procedure, url_name, persona)
