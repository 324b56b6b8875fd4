"""The rows of each worklist, drawn once per list generation and day and kept in the shared cache
(pathway.core.page_cache): My worklist and a list's pages show them without reading the records.

A list's rows depend on its members' state (a write bumps the lists its pathway was or is on:
dashboard.invalidation), their patients' details (a patient's save bumps the lists their pathways are
on) and the day (flags such as "listed for today"). Rows are the same for every user the list is
shown to; the lists a user sees, and the counts, are decided per request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone

from dashboard.selectors import (
    WORKLIST_PAGE_SIZE,
    CountedPaginator,
    NamedBySpec,
    WorklistSpec,
    list_items,
    list_states,
    specs_for_user,
)
from pathway.core import page_cache
from pathway.selectors import pathways_for_user

HOME_ROWS = 20


@dataclass(frozen=True)
class ShownWorklist(NamedBySpec):
    spec: WorklistSpec
    total: int
    rows: page_cache.Drawn


def _draw(spec: WorklistSpec, states, today: datetime.date, page_number: int | None) -> page_cache.Drawn:
    items = list_items(spec, states, today)
    html = render_to_string(
        "dashboard/includes/worklist_table.html", {"spec": spec, "items": items, "page_number": page_number}
    )
    return page_cache.Drawn(html=html, pathway_ids=tuple(item.pathway.pk for item in items))


def _want(spec: WorklistSpec, *, today: datetime.date, start: int, stop: int, page_number: int | None):
    return page_cache.Want(
        "worklist-rows",
        identity=(spec.key, start, stop, page_number),
        depends_on=(spec.key,),
        moment=(today.isoformat(),),
        build=lambda: _draw(spec, list_states(spec=spec, today=today)[start:stop], today, page_number),
    )


def home_worklists(*, user, counts: dict[str, int], today: datetime.date | None = None) -> list[ShownWorklist]:
    """Each list the user sees: its total and its first rows (urgent first)."""
    today = today or timezone.localdate()
    pathways_for_user(user=user)  # the permission check (every clinician sees every pathway)
    specs = specs_for_user(user)
    wanted = [_want(spec, today=today, start=0, stop=HOME_ROWS, page_number=None) for spec in specs]
    rows = page_cache.drawn_parts(wanted, shared_stale=True)
    return [ShownWorklist(spec=spec, total=counts[spec.key], rows=r) for spec, r in zip(specs, rows, strict=True)]


def worklist_page_rows(
    *, user, spec: WorklistSpec, page: object, counts: dict[str, int], today: datetime.date | None = None
):
    """One page of a whole list, in its order (urgent first): the paginator (from the list's cached
    count) and the page's rows. A page number out of range or not a number gives the nearest page."""
    if not spec.visible_to(user):
        raise PermissionDenied
    today = today or timezone.localdate()
    pathways_for_user(user=user)
    paginator = CountedPaginator(list_states(spec=spec, today=today), WORKLIST_PAGE_SIZE, count=counts[spec.key])
    page_obj = paginator.get_page(page)  # the number only: the rows come from the cache
    start = (page_obj.number - 1) * WORKLIST_PAGE_SIZE
    want = _want(spec, today=today, start=start, stop=start + WORKLIST_PAGE_SIZE, page_number=page_obj.number)
    (rows,) = page_cache.drawn_parts([want], shared_stale=True)
    return page_obj, rows
