"""The dashboard from a snapshot: opening it never runs the heavy aggregates.

The figures over the whole history (the transition log's window function, every checklist answer,
every procedure's consent) take seconds at 100,000 pathways. They are computed by
`manage.py refresh_dashboard` (cheap to run every minute: it does nothing unless a write has happened
since the last snapshot, when the cache is shared) and stored in one row (DashboardSnapshot). The
page reads that row and shows "as of hh:mm".

After writes: a write marks the snapshot dirty (dashboard.invalidation, on commit); the next opening of
a dirty snapshot older than REFRESH_AFTER_SECONDS serves it as it is and starts one refresh in a
background thread (single flight: a cache lock), so the figures follow the writes without a scheduler
and without making anyone wait.

Filtered views (a consultant, a date range, an aetiology) are computed for that filter the first time
it is opened after each snapshot (single flight, cached until the next snapshot).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import threading
import time

from django.core.cache import cache
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from dashboard import metrics
from dashboard.models import DashboardSnapshot
from pathway.core.cache import single_flight

logger = logging.getLogger(__name__)

ALL = "all"
REFRESH_AFTER_SECONDS = 60
FILTERED_CACHE_SECONDS = 15 * 60


def _dirty_key() -> str:
    return f"dashboard:dirty:{connection.alias}"


def mark_dirty(changes) -> None:
    """A write changed some pathways: the snapshot no longer includes it (after the commit)."""
    if changes:
        key = _dirty_key()
        transaction.on_commit(lambda: cache.set(key, time.time(), timeout=None))


def _is_dirty(snapshot: DashboardSnapshot | None) -> bool:
    """True unless the shared cache says nothing was written since `snapshot` (without a note, e.g.
    a cache not shared with the web workers, assume it is)."""
    if snapshot is None or timezone.localdate(snapshot.computed_at) != timezone.localdate():
        return True
    written = cache.get(_dirty_key())
    return written is None or written >= snapshot.computed_at.timestamp()


def refresh(*, force: bool = False) -> DashboardSnapshot | None:
    """Recompute the unfiltered figures and store them; None when nothing changed (and not forced)."""
    current = DashboardSnapshot.objects.filter(key=ALL).first()
    if not force and not _is_dirty(current):
        return None
    started = timezone.now()
    clock = time.monotonic()
    figures = metrics.dashboard(metrics.base_cohort())
    snapshot, _ = DashboardSnapshot.objects.update_or_create(
        key=ALL,
        defaults={
            "computed_at": started,  # writes after this moment make it dirty again
            "seconds": time.monotonic() - clock,
            "figures": pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL),
        },
    )
    return snapshot


def _refresh_in_background() -> None:
    lock = f"dashboard:refreshing:{connection.alias}"
    if not cache.add(lock, 1, timeout=300):
        return  # someone is refreshing already

    def run():
        try:
            refresh()
        except Exception:  # noqa: BLE001 - a failed refresh leaves the previous snapshot in place
            logger.exception("dashboard.refresh_failed")
        finally:
            cache.delete(lock)
            close_old_connections()
            connection.close()

    threading.Thread(target=run, name="dashboard-refresh", daemon=True).start()


def stamp() -> float | None:
    """When the current snapshot was computed (None before the first), without reading its figures;
    like `latest`, sets off a background refresh when it is dirty and over a minute old."""
    computed_at = DashboardSnapshot.objects.filter(key=ALL).values_list("computed_at", flat=True).first()
    if computed_at is None:
        return None
    _refresh_if_stale(DashboardSnapshot(key=ALL, computed_at=computed_at))
    return computed_at.timestamp()


def _refresh_if_stale(snapshot: DashboardSnapshot) -> None:
    """A snapshot over a minute old that no longer includes every write is refreshed in the background."""
    if snapshot.computed_at.timestamp() < time.time() - REFRESH_AFTER_SECONDS and _is_dirty(snapshot):
        _refresh_in_background()


def latest() -> tuple[metrics.Dashboard, DashboardSnapshot]:
    """The unfiltered figures as stored. Only the very first opening (no snapshot yet) computes."""
    snapshot = DashboardSnapshot.objects.filter(key=ALL).first()
    if snapshot is None:
        try:
            snapshot = refresh(force=True)
        except IntegrityError:  # two first openings at once: the other one stored it
            snapshot = DashboardSnapshot.objects.get(key=ALL)
    else:
        _refresh_if_stale(snapshot)
    try:
        figures = pickle.loads(snapshot.figures)  # noqa: S301 - our own row, written by refresh()
    except (AttributeError, TypeError, ValueError, pickle.UnpicklingError):
        figures = None
    if figures is None or not _current_shape(figures):
        # Stored by a release whose figures had another shape: recompute once with this one.
        snapshot = refresh(force=True)
        figures = pickle.loads(snapshot.figures)  # noqa: S301
    return figures, snapshot


def _current_shape(value, depth: int = 3) -> bool:
    """True when every dataclass in the stored figures has all the fields its class has now. A figure
    added by a later release (with a default) unpickles without error from an older row, and would
    show that default (0, None) instead of the real figure until the next write."""
    if depth < 0 or not dataclasses.is_dataclass(value) or isinstance(value, type):
        return True
    stored = vars(value)
    return all(f.name in stored and _current_shape(stored[f.name], depth - 1) for f in dataclasses.fields(value))


def filtered(cohort, snapshot: DashboardSnapshot) -> metrics.Dashboard:
    """The figures of a filtered cohort, computed once per snapshot (single flight)."""
    sql, params = cohort.order_by().values("pk").query.sql_with_params()
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    key = f"dashboard:filtered:{connection.alias}:{digest}:{snapshot.computed_at.timestamp()}"
    return single_flight(key, lambda: metrics.dashboard(cohort), timeout=FILTERED_CACHE_SECONDS)
