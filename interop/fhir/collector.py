"""The resources of one export, their ids, and how they refer to each other.

Ids are UUIDs derived from the database row (uuid5), so the same row has the same id in every export:
a registry loading two exports updates a resource instead of duplicating it. Inside a Bundle every
entry's fullUrl is `urn:uuid:<id>` and every reference is that fullUrl (FHIR R4 bundle.html,
"Resolving references in Bundles"); in the NDJSON bulk files, which have no fullUrl, a reference is
`<type>/<id>` (FHIR Bulk Data Access).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

# A fixed namespace for this service's resource ids (any UUID will do; it must never change).
NAMESPACE = uuid.UUID("6f1d3c0e-7a43-4f53-9b7e-2f3c1b9f7d21")


def resource_id(kind: str, pk, part: str = "") -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{pk}/{part}"))


def instant(value: datetime.datetime | None) -> str | None:
    """An aware datetime as FHIR dateTime/instant (seconds, with its offset)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def number(value) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def clean(resource: dict) -> dict:
    """Drop empty members: FHIR forbids empty strings, lists and objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


class Collector:
    """Collects resources once each (a practitioner met twice is sent once)."""

    def __init__(self, *, bundle: bool, base_url: str = ""):
        self.bundle = bundle
        self.base_url = base_url.rstrip("/")
        self.resources: list[dict] = []
        self._ids: set[str] = set()

    def ref(self, resource_type: str, rid: str, display: str | None = None) -> dict:
        reference = {"reference": f"urn:uuid:{rid}" if self.bundle else f"{resource_type}/{rid}"}
        if display:
            reference["display"] = display
        return reference

    def has(self, rid: str) -> bool:
        return rid in self._ids

    def add(self, resource: dict) -> dict:
        if resource["id"] not in self._ids:
            self._ids.add(resource["id"])
            self.resources.append(clean(resource))
        return resource

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def take(self) -> list[dict]:
        """The resources collected since the last take (the bulk export writes them batch by batch;
        the ids stay known, so a practitioner is written once per export)."""
        taken, self.resources = self.resources, []
        return taken


def bundle(resources: list[dict], *, bundle_id: str) -> dict:
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "timestamp": instant(timezone.now()),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
