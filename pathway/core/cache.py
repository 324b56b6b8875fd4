"""The shared cache's two rules: invalidate narrowly, recompute once.

Narrow invalidation: each cached value is keyed under the *generations* of the things it was built
from (a worklist, the dashboard). A write bumps only the generations of what it changed, after it
commits (pathway.core.state calls `dashboard.invalidation` with the pathways it refreshed): a nurse
saving an observation on a patient in recovery leaves the consultant's consent counts cached. (The
old key was the highest history id of every table: any write anywhere invalidated every page.)

Single flight: when a value is missing, one process takes a short lock (`cache.add`, atomic on Redis
and in local memory) and recomputes; the others serve the previous value (kept under a second key,
if computed in the last five minutes) for the moment it takes, instead of all recomputing at once.
Only when there is no recent previous value does a second process compute too.

The cache is Django's: Redis (django.core.cache.backends.redis.RedisCache) when REDIS_URL is set,
so every worker shares it, local memory otherwise (config/settings.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection

GENERATION_PREFIX = "gen:"
LOCK_SECONDS = 30
# How old a previous value may be to be served while someone recomputes the current one.
STALE_SERVE_SECONDS = 5 * 60


def _gen_key(name: str) -> str:
    return f"{GENERATION_PREFIX}{connection.alias}:{name}"


def generations(names: Iterable[str]) -> dict[str, int]:
    """The current generation of each name (one cache round trip). A name never bumped (or evicted)
    gets a fresh one, so a value cached before an eviction is never read back under it."""
    names = list(names)
    keys = {_gen_key(n): n for n in names}
    found = cache.get_many(list(keys))
    result = {}
    for key, name in keys.items():
        value = found.get(key)
        if value is None:
            cache.add(key, time.time_ns(), timeout=None)
            value = cache.get(key)
        result[name] = value
    return result


def bump(names: Iterable[str]) -> None:
    """A new generation for each name: values keyed under the old one are no longer read."""
    names = set(names)
    if names:
        now = time.time_ns()
        cache.set_many({_gen_key(n): now for n in names}, timeout=None)


def single_flight(key: str, compute: Callable[[], Any], *, timeout: int) -> Any:
    """`compute()` cached under `key`; on a miss one caller recomputes while the others serve the
    previous value of the same family (`key` up to its last ':') if it was computed in the last
    STALE_SERVE_SECONDS (a hot value just invalidated), else compute it too (a value last computed
    yesterday is never served)."""
    value = cache.get(key)
    if value is not None:
        return value
    family = key.rsplit(":", 1)[0]
    stale_key, lock_key = f"{family}:stale", f"{key}:lock"
    if cache.add(lock_key, 1, timeout=LOCK_SECONDS):
        try:
            value = compute()
            cache.set(key, value, timeout=timeout)
            cache.set(stale_key, (time.time(), value), timeout=STALE_SERVE_SECONDS)
        finally:
            cache.delete(lock_key)
        return value
    stale = cache.get(stale_key)
    if stale is not None and time.time() - stale[0] <= STALE_SERVE_SECONDS:
        return stale[1]
    return compute()
