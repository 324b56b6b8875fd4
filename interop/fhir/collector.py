"""The resources of one export, their ids, and how they refer to each other.

Ids are UUIDs derived from the database row (uuid5), so the same row has the same id in every export:
a registry loading two exports updates a resource instead of duplicating it. Inside a Bundle every
entry's fullUrl is `urn:uuid:<id>` and every reference is that fullUrl (FHIR R4 bundle.html,
"Resolving references in Bundles"); in the NDJSON bulk files, which have no fullUrl, a reference is
`<type>/<id>` (FHIR Bulk Data Access).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from decimal import Decimal

from django.utils import timezone

# A fixed namespace for this service's resource ids (any UUID will do; it must never change).
NAMESPACE = uuid.UUID("6f1d3c0e-7a43-4f53-9b7e-2f3c1b9f7d21")


_NAMESPACE_BYTES = NAMESPACE.bytes


def resource_id(kind: str, pk, part: str = "") -> str:
    """uuid.uuid5(NAMESPACE, "kind/pk/part"), computed directly: the bulk export makes one per
    resource, and building UUID objects was a tenth of its time."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}/{pk}/{part}".encode(), usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5 (RFC 4122 4.3)
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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
    # Most members are set: `value or ...` decides those at once; 0 and False are kept.
    return {k: v for k, v in resource.items() if v or (v is not None and v != "" and v != [] and v != {})}


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
