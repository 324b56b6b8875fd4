"""seed_demo writes in bulk (issue 15, item 5): rows inserted in batches without save(), history rows
copied in the database, the worklist state filled per chunk. These tests check that the shortcuts
leave the same database a row-by-row seeding would: the stored state equals the rebuilt one, and
every seeded clinical record has its "created" history row, equal to the record."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from pathway.core import state
from pathway.models import Pathway, Patient

pytestmark = pytest.mark.django_db

ANCHOR = datetime.date.fromisoformat("2026-11-02")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the writer thread needs a shared database"
)


def _history_models() -> list:
    # The service settings row (not a clinical record) is saved once through the ORM, by nobody.
    return [
        model
        for app in ("pathway", "consent")
        for model in apps.get_app_config(app).get_models()
        if hasattr(model, "history")
        and not model._meta.model_name.startswith("historical")
        and model._meta.model_name != "servicesettings"
    ]


def _top_ids() -> dict:
    return {model: max(model.objects.values_list("pk", flat=True), default=0) for model in _history_models()}


def _assert_history_matches(before: dict) -> set[str]:
    """Every row added since `before` has exactly one "created" history row with the same values;
    returns the names of the models that gained rows."""
    seeded = set()
    for model, top in before.items():
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = {row["id"]: row for row in model.objects.filter(pk__gt=top).values(*fields)}
        if not rows:
            continue
        seeded.add(model.__name__)
        history = list(model.history.filter(id__in=rows).values(*fields, "history_type", "history_user_id"))
        assert len(history) == len(rows), model.__name__
        for entry in history:
            assert entry.pop("history_type") == "+", model.__name__
            assert entry.pop("history_user_id") is not None, model.__name__
            assert entry == rows[entry["id"]], model.__name__
    return seeded


def test_bulk_seeded_state_equals_the_rebuilt_state(settings):
    settings.DEBUG = True
    call_command("seed_demo", pathways=300, seed=5, today=ANCHOR)
    ids = list(Pathway.objects.values_list("pk", flat=True))
    assert len(ids) == 300
    stored = state.stored(ids)
    assert set(stored) == set(ids)
    assert stored == state.compute(ids)
    call_command("rebuild_pathway_state", check=True)  # raises CommandError on any difference


def test_every_seeded_clinical_record_has_its_created_history_row(settings):
    settings.DEBUG = True
    before = _top_ids()
    call_command("seed_demo", pathways=300, seed=5, today=ANCHOR)
    seeded = _assert_history_matches(before)
    # The records of every stage, up to the follow-up, and the consent's explained risks.
    for name in (
        "Patient",
        "Pathway",
        "SuitabilityAssessment",
        "MriScan",
        "MriLevelFinding",
        "PreAssessment",
        "ConsentRecord",
        "ExplainedRisk",
        "ConsentConfirmation",
        "Procedure",
        "SafetyChecklistItem",
        "TreatedLevel",
        "Recovery",
        "ObservationSet",
        "FollowUp",
    ):
        assert name in seeded, name


def test_seeding_again_adds_pathways_with_their_own_numbers(settings):
    settings.DEBUG = True
    call_command("seed_demo", pathways=40, seed=2, today=ANCHOR)
    call_command("seed_demo", pathways=40, seed=2, today=ANCHOR)
    assert Pathway.objects.count() == 80
    assert Patient.objects.values("hospital_number").distinct().count() == 80
    assert Patient.objects.values("nhs_number").distinct().count() == 80
    call_command("rebuild_pathway_state", check=True)


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_seeds_the_same_way(settings):
    """Outside a transaction the chunks are written by a second thread while the next is built."""
    settings.DEBUG = True
    before = _top_ids()
    call_command("seed_demo", pathways=120, seed=5, today=ANCHOR)
    assert Pathway.objects.count() == 120
    assert "SafetyChecklistItem" in _assert_history_matches(before)
    call_command("rebuild_pathway_state", check=True)
