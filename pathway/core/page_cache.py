"""Rendered parts of the busiest pages, kept in the shared cache until a write changes what they show.

A part (the body of a pathway page, the rows of a worklist, a page of the pathway list) is stored
under the *generations* of what it was built from (pathway.core.cache) and of the moment it was built
for (the day, or the minute where a page judges the clock). What invalidates what:

- any write in the pathway or consent apps refreshes its pathway's stored state (pathway.core.state);
  after the commit that bumps the pathway's own generation (`pathway:<id>`: its page) and the
  pathway list's; the dashboard app bumps the worklists the pathway was or is now on;
- a patient's details (name, NHS number, date of birth) are shown on the pages of all their
  pathways: saving the patient bumps those pathways, the pathway list, and (through the state
  module's display listeners) the worklists those pathways are on;
- the reference data every page judges by (the rules table, staff names and roles) bumps
  `reference`, which every part depends on. A sign-in (only `last_login` saved) does not.

So a nurse's observation on one patient redraws that patient's page and the pathway list, never
another patient's page or another role's worklist rows. A form in a cached part carries a
placeholder where the CSRF token goes; `with_csrf` puts the reader's own token in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

from accounts.backends import only_a_sign_in
from pathway.core.cache import bump, generations, single_flight

PATHWAY_LIST = "pathways"
REFERENCE = "reference"
PART_SECONDS = 10 * 60
# What `{% csrf_token %}` writes in a cached part, replaced by the reader's token when served.
CSRF_PLACEHOLDER = "csrf-token-of-the-reader-3f9d0c41b7e2"


@dataclasses.dataclass(frozen=True)
class Drawn:
    """A list's part as drawn: its HTML, and the pathways it names (what the access log records)."""

    html: str
    pathway_ids: tuple[int, ...]

    @property
    def table(self) -> SafeString:
        return mark_safe(self.html)  # noqa: S308 - rendered by our own templates, autoescaped

    def __len__(self) -> int:
        return len(self.pathway_ids)


def pathway_generation(pk: int) -> str:
    return f"pathway:{pk}"


def permissions_digest(user) -> str:
    """Users with the same permissions see the same buttons and forms (workflow.can_*)."""
    perms = ",".join(sorted(user.get_all_permissions()))
    return hashlib.sha256(f"{user.is_superuser}|{perms}".encode()).hexdigest()[:16]


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:20]


@dataclasses.dataclass(frozen=True)
class Want:
    """One part wanted: `build()` cached under its name and `identity`, for the current generations
    of `depends_on` and for `moment`."""

    name: str
    identity: tuple
    depends_on: tuple[str, ...]
    moment: tuple
    build: Callable[[], Any]


def parts(wanted: list[Want], *, shared_stale: bool = False, timeout: int = PART_SECONDS) -> list[Any]:
    """Several parts in two cache round trips (their generations, then the parts), building only the
    missing ones. With `shared_stale`, a miss is recomputed single flight and concurrent readers get
    the previous value meanwhile (lists); without it each reader that misses builds its own (a
    record's page: whoever has just saved must see their save)."""
    gens = generations({REFERENCE, *(name for want in wanted for name in want.depends_on)})
    keys = []
    for want in wanted:
        version = (sorted((n, gens[n]) for n in (*want.depends_on, REFERENCE)), want.moment)
        keys.append(f"part:{connection.alias}:{want.name}:{_digest(want.identity)}:{_digest(version)}")
    found = cache.get_many(keys)
    values = []
    for want, key in zip(wanted, keys, strict=True):
        value = found.get(key)
        if value is None and shared_stale:
            value = single_flight(key, want.build, timeout=timeout)
        elif value is None:
            value = want.build()
            cache.set(key, value, timeout=timeout)
        values.append(value)
    return values


def part(name: str, *, identity: tuple, depends_on, moment: tuple, build, **kwargs) -> Any:
    """One part (see `parts`)."""
    (value,) = parts([Want(name, identity, tuple(depends_on), moment, build)], **kwargs)
    return value


def drawn_parts(wanted: list[Want], *, shared_stale: bool = False) -> list[Drawn]:
    """`parts()` of Drawn values, cached as plain data (a cached value must read back after a deploy
    that changed the class)."""
    plain = [dataclasses.replace(want, build=_as_tuple(want.build)) for want in wanted]
    return [Drawn(html=html, pathway_ids=tuple(ids)) for html, ids in parts(plain, shared_stale=shared_stale)]


def _as_tuple(build: Callable[[], Drawn]) -> Callable[[], tuple]:
    return lambda: dataclasses.astuple(build())


def drawn_part(name: str, *, identity: tuple, depends_on, moment: tuple, build, shared_stale: bool = False) -> Drawn:
    """One Drawn part (see `parts`)."""
    (value,) = drawn_parts([Want(name, identity, tuple(depends_on), moment, build)], shared_stale=shared_stale)
    return value


def with_csrf(html: str, request) -> SafeString:
    """A cached part with the reader's CSRF token where its forms need it."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 - rendered by our own templates, autoescaped when cached


# --- invalidation ------------------------------------------------------------------------------------


def _bump_on_commit(names: set[str]) -> None:
    if names:
        transaction.on_commit(lambda: bump(names))


def pathways_refreshed(changes: dict) -> None:
    """pathway.core.state listener: every pathway a write refreshed is redrawn, and the list."""
    _bump_on_commit({pathway_generation(pk) for pk in changes} | {PATHWAY_LIST})


def _patient_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from pathway.core import state

    ids = list(instance.pathways.values_list("pk", flat=True)) if instance.pk else []
    _bump_on_commit({pathway_generation(pk) for pk in ids} | {PATHWAY_LIST})
    state.shown_changed(ids)


def _reference_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or only_a_sign_in(update_fields):
        return
    _bump_on_commit({REFERENCE})


def connect() -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from pathway.core import state

    state.on_refresh(pathways_refreshed)
    post_save.connect(_patient_saved, sender=apps.get_model("pathway", "Patient"), dispatch_uid="page_cache_patient")
    for model in (apps.get_model("pathway", "Rule"), get_user_model(), Group):
        post_save.connect(_reference_saved, sender=model, dispatch_uid=f"page_cache_reference_{model._meta.label}")
