"""The post-sedation observation timetable (domain.md 7.1 [I]: "every 15 min x4, every 30 min x2, then
hourly", more often than the NEWS2 minimums while the sedation wears off). The intervals and counts
are rules (recovery_obs_*), read with rule_values().

The first set is due on arrival in recovery; then `first_count` sets `first_every` minutes apart,
`second_count` sets `second_every` minutes apart, then one every `then_every` minutes until the
discharge. Each due time owns the stretch since the previous due time, up to `grace` minutes after
it: a set taken in that stretch meets it; none, and the time is past, is a missed observation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

DONE, MISSED, DUE_NOW, UPCOMING = "done", "missed", "due now", "upcoming"


@dataclass(frozen=True)
class Slot:
    due_at: datetime.datetime
    status: str
    taken_at: datetime.datetime | None = None

    @property
    def missed(self) -> bool:
        return self.status == MISSED


def due_times(start: datetime.datetime, until: datetime.datetime, rules: dict[str, Decimal]):
    """Every due time from `start` up to and including the first one after `until`."""
    minutes = datetime.timedelta(minutes=1)
    steps = [int(rules["recovery_obs_first_every_minutes"])] * int(rules["recovery_obs_first_count"])
    steps += [int(rules["recovery_obs_second_every_minutes"])] * int(rules["recovery_obs_second_count"])
    then = int(rules["recovery_obs_then_every_minutes"])
    due = start
    yield due
    index = 0
    while due <= until:
        due += minutes * (steps[index] if index < len(steps) else then)
        index += 1
        yield due


def timetable(
    *,
    arrived_at: datetime.datetime,
    taken: list[datetime.datetime],
    rules: dict[str, Decimal],
    now: datetime.datetime,
    discharged_at: datetime.datetime | None = None,
) -> list[Slot]:
    """The timetable from arrival to now (or the discharge), and the next set due while in recovery."""
    grace = datetime.timedelta(minutes=int(rules["recovery_obs_grace_minutes"]))
    end = discharged_at or now
    taken = sorted(taken)
    slots: list[Slot] = []
    opens = None  # the stretch of a due time starts after the previous due time's grace
    for due in due_times(arrived_at, end, rules):
        if discharged_at is not None and due > discharged_at:
            break
        closes = due + grace
        met = next((t for t in taken if (opens is None or t > opens) and t <= closes), None)
        if met is not None:
            status = DONE
        elif end > closes:
            status = MISSED
        elif now >= due:
            status = DUE_NOW
        else:
            status = UPCOMING
        slots.append(Slot(due_at=due, status=status, taken_at=met))
        opens = closes
    return slots


def next_due(slots: list[Slot]) -> Slot | None:
    return next((s for s in slots if s.status in (DUE_NOW, UPCOMING)), None)
