"""Builders for the day and after: a pathway ready for the procedure, checklist phases answered; and
who may use the day's sub-pages and actions over HTTP (one table, checked in each stage's test file)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pathway.core import state
from pathway.models import CHECKLIST_ITEMS, ChecklistPhase, Pathway, Stage
from pathway.procedure import services as procedure_services
from tests.conftest import ROLES
from tests.factories import (
    ConsentConfirmationFactory,
    ConsentRecordFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
    UserFactory,
)


def seed_library() -> None:
    """The risk and leaflet library (seeded by migration; transactional tests flush it)."""
    from consent.library_seed import seed_library as seed
    from consent.models import Leaflet, Risk, RiskVersion

    if not Risk.objects.exists():
        seed(Risk, RiskVersion, Leaflet)


def make_day_pathway(
    *,
    levels=("T12",),
    consented=None,
    stage=Stage.PROCEDURE,
    patient=None,
    confirmation=None,
    operator=None,
    briefed=True,
    **pre_kwargs,
):
    """A pathway at `stage`, listed today, with T12 (by default) treatable, pre-assessed, and a
    signed consent for `consented` (default: the same levels) confirmed today by the named operator
    (`confirmation`: fields of the confirmation, or False for none; `operator`: the named operator).
    At the procedure stage the team brief of the list is recorded (NatSSIPs: before the list), unless
    `briefed` is False."""
    seed_library()
    extra = {"patient": patient} if patient else {}
    pathway = PathwayFactory(current_stage=stage, planned_procedure_on=timezone.localdate(), **extra)
    SuitabilityAssessmentFactory(pathway=pathway, suspected_levels=list(levels))
    scan = MriScanFactory(pathway=pathway)
    for level in levels:
        MriLevelFindingFactory(scan=scan, level=level)
    PreAssessmentFactory(pathway=pathway, **pre_kwargs)
    named = {"operator": operator} if operator else {}
    consent = ConsentRecordFactory(pathway=pathway, signed=True, levels=list(consented or levels), **named)
    if confirmation is not False:
        ConsentConfirmationFactory(consent=consent, **(confirmation or {}))
    # A factory row one hop from the pathway (the confirmation) refreshes only the locked pathways
    # when the test's transaction already holds a lock (another pathway's team brief): refresh this
    # one as a consent service's lock would.
    state.refresh([pathway.pk])
    if briefed and stage == Stage.PROCEDURE:
        answer(pathway, ChecklistPhase.TEAM_BRIEF, UserFactory(role="Radiologist"))
        pathway = Pathway.objects.get(pk=pathway.pk)
    return pathway


def all_yes(phase) -> dict[str, str]:
    return {item.code: "yes" for item in CHECKLIST_ITEMS[ChecklistPhase(phase)]}


NORMAL_LEGS = {
    "left_leg_power": 5,
    "right_leg_power": 5,
    "left_leg_sensation": "normal",
    "right_leg_sensation": "normal",
}


def answer(pathway, phase, user, **kwargs):
    kwargs.setdefault("answers", all_yes(phase))
    if ChecklistPhase(phase) == ChecklistPhase.SIGN_IN:
        kwargs.setdefault("pregnancy_status", "not_applicable")
        kwargs.setdefault("legs", NORMAL_LEGS)
    return procedure_services.record_checklist_phase(acting_user=user, pathway=pathway, phase=phase, **kwargs)


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


# --- over HTTP -------------------------------------------------------------------------------------

# URL name, extra URL kwargs, method, roles allowed.
DAY_ACTIONS = [
    ("pathway:safety_checklist", {"phase": "sign_in"}, "post", {"Radiologist", "Consultant"}),
    ("pathway:treated_level_add", {}, "post", {"Radiologist", "Consultant"}),
    ("pathway:complication_add", {}, "post", {"Radiologist", "Consultant", "Nurse"}),
    ("pathway:observation_set_add", {}, "post", {"Nurse"}),
    ("pathway:discharge", {}, "post", {"Nurse", "Consultant"}),
    ("pathway:follow_up_complete", {}, "post", {"Nurse", "Radiologist", "Consultant"}),
    ("pathway:discharge_sheet", {}, "get", set(ROLES)),
]
DAY_ACTION_ARGNAMES = ("url_name", "kwargs", "method", "allowed", "persona")


def day_action_params(*url_names: str) -> list:
    """The rows of DAY_ACTIONS for these URL names, one per role, for
    @pytest.mark.parametrize(DAY_ACTION_ARGNAMES, ..., indirect=["persona"]). Each keeps the id it had
    when the whole table was one parametrisation (its index in the full table), so no test is renamed."""
    rows = [(*row, role) for row in DAY_ACTIONS for role in ROLES]
    return [
        pytest.param(*row, id=f"{row[0]}-kwargs{index}-{row[2]}-allowed{index}-{row[4]}")
        for index, row in enumerate(rows)
        if row[0] in url_names
    ]


def check_day_action(client, pathway, url_name, kwargs, method, allowed, persona) -> None:
    """The allowed roles get through (200 or a redirect); every other role is refused with 403."""
    client.force_login(persona)
    url = reverse(url_name, kwargs={"pk": pathway.pk, **kwargs})
    response = getattr(client, method)(url, {})
    if persona.groups.get().name in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


def check_day_page(client, pathway, url_name, persona) -> None:
    """The page renders for the persona, whatever its role."""
    client.force_login(persona)
    kwargs = {"phase": "sign_in"} if url_name == "pathway:safety_checklist" else {}
    assert client.get(reverse(url_name, kwargs={"pk": pathway.pk, **kwargs})).status_code == 200
