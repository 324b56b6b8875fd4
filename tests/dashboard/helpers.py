"""Building pathways at a chosen stage with their transition log, for the dashboard's tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pathway.core.queues import record_model
from pathway.models import PathwayStatus, Stage, StageTransition
from tests.factories import PathwayFactory


def local(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_pathway(
    *,
    stage: Stage = Stage.REFERRAL,
    referral: datetime.date | None = None,
    exit_state: str = "",
    actor=None,
    moves: list[tuple[str, datetime.datetime]] | None = None,
    **fields,
):
    """A pathway at `stage` (closed there if `exit_state`), with its transitions: an 'open' at the
    referral, then each (stage, time) of `moves` as an advance (or a return, if it goes back)."""
    referral = referral or timezone.localdate() - datetime.timedelta(days=20)
    closed = bool(exit_state)
    pathway = PathwayFactory(
        referral_received_on=referral,
        current_stage=stage,
        status=PathwayStatus.CLOSED if closed else PathwayStatus.OPEN,
        exit_state=exit_state,
        exit_reason="Free-text reason that must never be exported." if closed else "",
        closed_at=timezone.now() if closed else None,
        **fields,
    )
    if actor is not None:
        previous = Stage.REFERRAL
        StageTransition.objects.create(
            pathway=pathway, kind="open", to_stage=Stage.REFERRAL, acting_user=actor, at=local(referral)
        )
        for to_stage, at in moves or []:
            StageTransition.objects.create(
                pathway=pathway, kind="advance", from_stage=previous, to_stage=to_stage, acting_user=actor, at=at
            )
            previous = to_stage
    return pathway


# Minimal saved records of each stage, with only the fields the database requires.
RECORD_FIELDS = {
    Stage.SUITABILITY: {"pain_score": 8, "neuro_exam": "normal", "outcome": "suitable"},
    Stage.MRI: {
        "scanned_on": datetime.date(2026, 1, 5),
        "accession_number": "ACC1",
        "reported_by": "Dr R",
        "report": "x",
    },
    Stage.PRE_ASSESSMENT: {"asa_grade": 2},
}


def add_record(pathway, stage: Stage, **fields):
    model = record_model(stage)
    return model.objects.create(pathway=pathway, **{**RECORD_FIELDS.get(Stage(stage), {}), **fields})
