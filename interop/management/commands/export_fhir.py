"""python manage.py export_fhir --since DATE: every pathway changed since DATE, as FHIR R4 NDJSON,
one file per resource type (FHIR Bulk Data Access output format), for registries.

Pathways are read in batches with a fixed number of queries per batch (interop.fhir.export), and
written as they are built, so memory does not grow with the service.
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interop.fhir.collector import Collector
from interop.fhir.export import batches, changed_since, resources_of


class Command(BaseCommand):
    help = "Write every pathway changed since DATE as FHIR R4 NDJSON files, one per resource type."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="A date (YYYY-MM-DD) or an ISO date-time.")
        parser.add_argument("--output", default="fhir-export", help="Directory for the .ndjson files.")
        parser.add_argument("--base-url", default="", help="Prefix for document URLs (e.g. https://vp.trust.nhs.uk).")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, since, output, base_url, batch_size, **options):
        started = time.monotonic()
        moment = self._since(since)
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        ids = list(changed_since(moment).order_by("pk").values_list("pk", flat=True))
        out = Collector(bundle=False, base_url=base_url)
        files: dict[str, object] = {}
        counts: dict[str, int] = {}
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        try:
            for batch in batches(ids, size=max(batch_size, 1)):
                for pathway in batch:
                    resources_of(out, pathway)
                for resource in out.take():
                    kind = resource["resourceType"]
                    handle = files.get(kind)
                    if handle is None:
                        handle = files[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
                    handle.write(dumps(resource))
                    handle.write("\n")
                    counts[kind] = counts.get(kind, 0) + 1
        finally:
            for handle in files.values():
                handle.close()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
        self.stdout.write(f"{len(ids)} pathways changed since {moment:%Y-%m-%d %H:%M} -> {folder}/ in {elapsed:.1f} s")
        self.stdout.write(summary or "No resources.")

    @staticmethod
    def _since(value: str) -> datetime.datetime:
        try:
            if len(value) == 10:
                day = datetime.date.fromisoformat(value)
                moment = datetime.datetime.combine(day, datetime.time.min)
            else:
                moment = datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise CommandError("--since must be a date (YYYY-MM-DD) or an ISO date-time.") from exc
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
