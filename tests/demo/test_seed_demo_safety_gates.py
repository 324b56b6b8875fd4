"""The demo pathways meet the gates of issue 14 (items 1-4, 7, 10) wherever they have passed them, so a
demo walk-through shows the checks met rather than failures seeded by accident."""

import datetime

import pytest
from django.core.management import call_command

from consent import gates as consent_gates
from pathway.models import Pathway, Stage
from pathway.procedure import gates as procedure_gates
from pathway.recovery import gates as recovery_gates
from pathway.suitability.gates import decision_problem

pytestmark = pytest.mark.django_db


def test_seeded_pathways_meet_the_new_gates_they_have_passed(settings):
    settings.DEBUG = True
    call_command("seed_demo", pathways=300, seed=3, today=datetime.date.fromisoformat("2026-11-02"))
    past_procedure = 0
    for pathway in Pathway.objects.select_related("patient"):
        stage = pathway.stage
        suitability = getattr(pathway, "suitability", None)
        if suitability is not None and stage.index > Stage.SUITABILITY.index:
            assert decision_problem(suitability) is None, pathway.pk
        pre = getattr(pathway, "pre_assessment", None)
        if pre is not None and stage.index > Stage.PRE_ASSESSMENT.index:
            assert pre.has_leg_checks and pre.medicines_reconciled, pathway.pk
        procedure = getattr(pathway, "procedure", None)
        if procedure is None or not procedure.phase_complete("sign_in"):
            continue
        past_procedure += 1
        unmet = [
            i.reason
            for i in (
                [procedure_gates.sign_in_legs_item(procedure)]
                + procedure_gates.last_dose_items(pathway, procedure)
                + procedure_gates.imaging_age_items(pathway, procedure)
            )
            if not i.met
        ]
        assert unmet == [], (pathway.pk, unmet)
        consent = pathway.consents.filter(superseded_by__isnull=True).first()
        confirmation = consent.latest_confirmation if consent else None
        assert confirmation is not None and confirmation.confirmed_by_id == consent.operator_id, pathway.pk
        recovery = getattr(pathway, "recovery", None)
        if recovery is not None and recovery.discharged_at:
            items = recovery_gates.legs_items(pathway, recovery, list(recovery.observations.all()))
            assert [i.reason for i in items if not i.met] == [], pathway.pk
        for item in consent_gates.record_items(pathway, consent, consent.levels):
            if "attorney" in str(item.reason) or "Operator" in item.label:
                assert item.met, (pathway.pk, item.reason)
    assert past_procedure > 20
