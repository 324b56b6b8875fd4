"""Complications: whether one was on the consent (read from the consent's discussed risks), the
grading systems, recording up to 12 months after the procedure (even on a closed pathway) and never
before one, and who may record them over HTTP."""

import datetime

import pytest
from django.utils import timezone

from pathway.complications import services as complications_services
from pathway.core.gating import WorkflowError
from pathway.models import ExitState, Pathway
from tests.conftest import ROLES
from tests.factories import ComplicationFactory, PathwayFactory, ProcedureFactory
from tests.pathway.day_helpers import (
    DAY_ACTION_ARGNAMES,
    check_day_action,
    check_day_page,
    day_action_params,
    make_day_pathway,
)

pytestmark = pytest.mark.django_db


def _risk(code):
    from consent.models import Risk

    return Risk.objects.get(code=code)


# --- on the consent ---------------------------------------------------------------------------


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


# --- grades -----------------------------------------------------------------------------------


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


# --- when a complication can be recorded ------------------------------------------------------


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


# --- over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(DAY_ACTION_ARGNAMES, day_action_params("pathway:complication_add"), indirect=["persona"])
def test_day_actions_by_role(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona):
    check_day_action(client, pathway_with_procedure, url_name, kwargs, method, allowed, persona)


@pytest.mark.parametrize("url_name", ["pathway:complications"])
@pytest.mark.parametrize("persona", ROLES, indirect=True)
def test_day_pages_render_for_every_role(client, pathway_with_procedure, url_name, persona):
    check_day_page(client, pathway_with_procedure, url_name, persona)
