"""CSV export of a (filtered) pathway list: identifiers, the date each stage was entered, status and
waits in days. No free text (referrer names, reasons, notes) ever goes into the file.

One query for the whole file: the stage dates are aggregated per pathway in SQL, and the rows are
streamed from a database cursor, so the export neither grows in queries nor holds the file in memory.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Count, F, Min, Q
from django.utils import timezone

from pathway.models import Aetiology, ExitState, PathwayStatus, Priority, Stage, StageTransition

STAGE_DATE_STAGES = [s for s in Stage if s != Stage.REFERRAL]

COLUMNS = [
    "pathway_id",
    "nhs_number",
    "hospital_number",
    "aetiology",
    "priority",
    "consultant",
    "referral_received_on",
    *[f"{s.value}_entered_on" for s in STAGE_DATE_STAGES],
    "planned_procedure_on",
    "current_stage",
    "status",
    "exit_state",
    "closed_on",
    "days_waited",
    "days_referral_to_treatment",  # RTT clock stop: the day the pathway entered recovery
]


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def export_rows(pathways, *, today: datetime.date | None = None) -> Iterator[list[str]]:
    """The header, then one row per pathway (ordered by id)."""
    today = today or timezone.localdate()
    entered = {
        f"entered_{s.value}": Min(
            "transitions__at",
            filter=Q(transitions__kind=StageTransition.Kind.ADVANCE, transitions__to_stage=s.value),
        )
        for s in STAGE_DATE_STAGES
    }
    rows = (
        pathways.order_by("id")
        .values(
            "id",
            "referral_received_on",
            "aetiology",
            "priority",
            "planned_procedure_on",
            "current_stage",
            "status",
            "exit_state",
            "closed_at",
            nhs=F("patient__nhs_number"),
            hospital=F("patient__hospital_number"),
            consultant_username=F("responsible_consultant__username"),
        )
        .annotate(**entered)
    )
    aetiologies, priorities = dict(Aetiology.choices), dict(Priority.choices)
    stages, exits = dict(Stage.choices), dict(ExitState.choices)
    yield COLUMNS
    for row in rows.iterator(chunk_size=2000):
        referral = row["referral_received_on"]
        closed_on = _local_date(row["closed_at"])
        procedure_on = _local_date(row[f"entered_{Stage.RECOVERY.value}"])
        end = closed_on if row["status"] == PathwayStatus.CLOSED and closed_on else today
        yield [
            str(row["id"]),
            row["nhs"],
            row["hospital"],
            aetiologies.get(row["aetiology"], row["aetiology"]),
            priorities.get(row["priority"], row["priority"]),
            row["consultant_username"] or "",
            _iso(referral),
            *[_iso(_local_date(row[f"entered_{s.value}"])) for s in STAGE_DATE_STAGES],
            _iso(row["planned_procedure_on"]),
            stages.get(row["current_stage"], row["current_stage"]),
            row["status"],
            exits.get(row["exit_state"], row["exit_state"]) if row["exit_state"] else "",
            _iso(closed_on),
            str((end - referral).days),
            str((procedure_on - referral).days) if procedure_on else "",
        ]


def summary(pathways, query: str) -> str:
    """What an export held, for its access-log row: the filter and how many pathways and patients (one
    query)."""
    counts = pathways.order_by().aggregate(pathways=Count("pk"), patients=Count("patient", distinct=True))
    return f"filter: {query or 'none'}; {counts['pathways']} pathways of {counts['patients']} patients"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        # Neutralise spreadsheet formulae (CSV injection): no exported value may start with = + - @.
        yield writer.writerow([("'" + v) if v[:1] in ("=", "+", "-", "@") else v for v in row])
