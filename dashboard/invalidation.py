"""What a write invalidates in the shared cache: the counts of the worklists its pathway was or is now
on, and the dashboard's snapshot of that pathway (refreshed incrementally), nothing else.

Registered with pathway.core.state (dashboard.apps); the bump waits for the commit, so a reader never
caches figures of a write that is then rolled back under the new generation.
"""

from __future__ import annotations

from django.db import transaction

from dashboard.selectors import lists_touched
from pathway.core.cache import bump
from pathway.models import PathwayState


def state_changed(changes: dict[int, tuple[dict | None, dict | None]]) -> None:
    touched: set[str] = set()
    for before, after in changes.values():
        touched |= lists_touched(before, after)
    if touched:
        transaction.on_commit(lambda: bump(touched))
    from dashboard.snapshot import mark_dirty

    mark_dirty(changes)


def shown_changed(ids: list[int]) -> None:
    """A patient's details changed: the lists their pathways are on show them (names, NHS number)."""
    touched: set[str] = set()
    for row in PathwayState.objects.filter(pathway_id__in=ids).values():
        touched |= lists_touched(row, None)
    if touched:
        transaction.on_commit(lambda: bump(touched))
