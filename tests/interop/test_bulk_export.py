"""export_fhir --since DATE: NDJSON, one resource type a file, for every pathway changed since DATE;
every resource valid (fhir.resources R4B), every reference resolving across the files, and the
queries per batch fixed whatever the batch holds. The demo data covers every stage and exit state."""

from __future__ import annotations

import datetime
import importlib
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from interop.fhir.collector import Collector
from interop.fhir.export import batches, changed_since, export_queryset, resources_of
from pathway.models import ExitState, Pathway, Stage
from tests.interop.helpers import check_bundle, references

pytestmark = pytest.mark.django_db


def _model(kind: str):
    module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
    return getattr(module, kind)


@pytest.fixture(scope="module")
def demo(module_db):
    """Demo pathways at every stage and every exit state, seeded once for the module."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", pathways=250, seed=1)
    opened = set(Pathway.objects.open().values_list("current_stage", flat=True))
    closed = set(Pathway.objects.closed().values_list("exit_state", flat=True))
    assert opened == set(Stage.values) and closed == set(ExitState.values)  # every stage and ending


def test_every_demo_pathway_exports_a_valid_bundle(demo):
    from interop.fhir.collector import bundle

    ids = list(Pathway.objects.order_by("pk").values_list("pk", flat=True))
    for batch in batches(ids, size=50):
        for pathway in batch:
            out = Collector(bundle=True)
            resources_of(out, pathway)
            check_bundle(bundle(out.resources, bundle_id="b"))


def test_the_files_hold_every_changed_pathway_one_type_each_and_references_resolve(demo, tmp_path, capsys):
    call_command("export_fhir", since="2000-01-01", output=str(tmp_path))
    assert f"{Pathway.objects.count()} pathways changed" in capsys.readouterr().out
    ids: set[str] = set()
    refs: set[str] = set()
    kinds = set()
    for path in sorted(tmp_path.glob("*.ndjson")):
        kind = path.stem
        kinds.add(kind)
        model = _model(kind)
        for line in path.read_text().splitlines():
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            model.model_validate(resource)
            ids.add(f"{kind}/{resource['id']}")
            refs.update(references(resource))
    assert {
        "Patient",
        "ServiceRequest",
        "EpisodeOfCare",
        "Consent",
        "Procedure",
        "Observation",
        "AdverseEvent",
    } <= kinds
    assert refs - ids == set()
    assert len([i for i in ids if i.startswith("EpisodeOfCare/")]) == Pathway.objects.count()


def test_only_pathways_changed_since_the_date_are_exported(demo, tmp_path):
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert not changed_since(later).exists()
    touched = Pathway.objects.filter(current_stage=Stage.RECOVERY).first()
    touched.recovery.observations.update(updated_at=later + datetime.timedelta(minutes=1))
    assert list(changed_since(later)) == [touched]
    call_command("export_fhir", since=later.isoformat(), output=str(tmp_path))
    lines = (tmp_path / "EpisodeOfCare.ndjson").read_text().splitlines()
    assert len(lines) == 1


def test_a_batch_costs_the_same_queries_whatever_it_holds(demo):
    ids = list(Pathway.objects.order_by("pk").values_list("pk", flat=True))

    def queries(chunk):
        with CaptureQueriesContext(connection) as captured:
            for batch in batches(chunk, size=len(chunk)):
                out = Collector(bundle=False)
                for pathway in batch:
                    resources_of(out, pathway)
        return len(captured)

    assert queries(ids[:250]) == queries(ids[:100])
    assert export_queryset().query is not None


def test_a_bad_date_is_refused(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("export_fhir", since="last tuesday")
