"""The stored state of each pathway: what the worklists and the navigation badge filter and sort on.

Deriving "awaiting suitability", "consent to confirm", "bloods out of date by the procedure"... per
request meant joins and EXISTS over every stage record on every page; at 100,000 pathways the counts
took seconds. Instead each pathway has one `PathwayState` row holding its current stage, what is due
and the dates a list compares with today. Worklists and counts are then indexed queries on this table
(partial indexes, one per list), whose cost follows the open items, not the closed pathways.

How it stays current (maintained, not nightly):

- Every write that changes a pathway's state locks the pathway row first (pathway.core.models.
  lock_pathway: lock_state, save_stage_record, check_stage_open, the workflow's guarded setter, the
  consent services). The lock notes the pathway against the current transaction.
- Any row saved in the pathway or consent apps (post_save) then recomputes the state of the pathways
  locked in that transaction, plus the pathway the row itself points to, inside the same transaction.
  A new stage's service that locks its pathway (as every write must) keeps the state current without
  knowing about it.
- `compute(ids)` is the one definition: the same function fills the rows in `rebuild_pathway_state`,
  so a rebuilt row equals a maintained one (tests/pathway/test_pathway_state.py checks it after every
  workflow scenario).

Date-dependent conditions ("listed for today", "window open") are never stored as flags: the row holds
the dates and the query compares them with today, so nothing goes stale overnight.

Facts owned by a higher layer (the consent app) are filled by a provider registered at start-up
(`register_provider`), as pathway.core.providers does for gates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_save

from pathway.core.choices import Stage
from pathway.core.queues import DECISION_STAGES, record_model

logger = logging.getLogger(__name__)

UNTREATED = [s.value for s in Stage if s.index < Stage.RECOVERY.index]


class PathwayState(models.Model):
    """Derived from the pathway and its records (never edited by hand; `compute` writes it).

    Not a clinical record: no history, no version. It can be rebuilt at any time."""

    pathway = models.OneToOneField("pathway.Pathway", on_delete=models.CASCADE, primary_key=True, related_name="state")
    is_open = models.BooleanField(default=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REFERRAL)
    stage_entered_at = models.DateTimeField()
    urgent = models.BooleanField(default=False)
    referral_received_on = models.DateField()
    planned_procedure_on = models.DateField(null=True, blank=True)
    # Open pathways only; each is one worklist's membership (dashboard.selectors.SPECS).
    awaiting_suitability = models.BooleanField(default=False)
    mri_to_review = models.BooleanField(default=False)
    pre_assessment_due = models.BooleanField(default=False)
    awaiting_decision = models.BooleanField(default=False)
    in_recovery = models.BooleanField(default=False)
    # Not yet treated and the procedure not recorded: on today's list when planned_procedure_on = today.
    procedure_to_record = models.BooleanField(default=False)
    # Not yet treated: the oldest blood sample date of the pre-assessment (compared with the planned
    # date and the lab_validity_days rule in the query, domain.md 4.2).
    bloods_oldest_on = models.DateField(null=True, blank=True)
    # The 4-week review while pending (domain.md 8.1); null once done or without a follow-up record.
    follow_up_due_on = models.DateField(null=True, blank=True)
    follow_up_opens_on = models.DateField(null=True, blank=True)
    follow_up_closes_on = models.DateField(null=True, blank=True)
    # Filled by the consent app's provider (consent.state).
    consent_to_take = models.BooleanField(default=False)
    consent_to_confirm = models.BooleanField(default=False)
    reconsent = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # One partial index per worklist, in that list's order (urgent first, then the list's
            # own: dashboard.selectors.WorklistSpec.ordering): its count reads only its own entries
            # and its pages are read in order.
            models.Index(
                fields=["-urgent", "referral_received_on", "pathway"],
                condition=Q(awaiting_suitability=True),
                name="state_suitability_idx",
            ),
            models.Index(
                fields=["-urgent", "stage_entered_at", "pathway"], condition=Q(mri_to_review=True), name="state_mri_idx"
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "stage_entered_at", "pathway"],
                condition=Q(pre_assessment_due=True),
                name="state_pre_assessment_idx",
            ),
            models.Index(
                fields=["-urgent", "stage_entered_at", "pathway"],
                condition=Q(awaiting_decision=True),
                name="state_decision_idx",
            ),
            models.Index(
                fields=["-urgent", "stage_entered_at", "pathway"],
                condition=Q(in_recovery=True),
                name="state_recovery_idx",
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "pathway"],
                condition=Q(procedure_to_record=True),
                name="state_procedure_idx",
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "pathway"],
                condition=Q(bloods_oldest_on__isnull=False),
                name="state_bloods_idx",
            ),
            models.Index(
                fields=["-urgent", "follow_up_due_on", "pathway"],
                condition=Q(follow_up_due_on__isnull=False),
                name="state_follow_up_idx",
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "stage_entered_at", "pathway"],
                condition=Q(consent_to_take=True),
                name="state_consent_idx",
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "pathway"],
                condition=Q(consent_to_confirm=True),
                name="state_confirm_idx",
            ),
            models.Index(
                fields=["-urgent", "planned_procedure_on", "pathway"],
                condition=Q(reconsent=True),
                name="state_reconsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"State of pathway {self.pathway_id}"


STATE_FIELDS = [f.attname for f in PathwayState._meta.concrete_fields if f.attname != "pathway_id"]

# --- computing -------------------------------------------------------------------------------------

Provider = Callable[[dict[int, dict]], None]
_providers: list[Provider] = []


def register_provider(provider: Provider) -> None:
    """A higher layer fills its own fields: `provider(rows)` gets {pathway id: state values} (the
    core values filled) and updates the values in place. Registered once, at start-up."""
    if provider not in _providers:
        _providers.append(provider)


def _pathway_rows(ids: list[int]) -> dict[int, dict]:
    """The core values of `ids`, in one query (stage records tested with EXISTS)."""
    Pathway = PathwayState._meta.get_field("pathway").related_model
    has = {}
    for stage in (*DECISION_STAGES, "procedure"):
        model = record_model(stage)
        has[f"has_{stage}"] = Exists(model.objects.filter(pathway=OuterRef("pk"))) if model else models.Value(False)
    sampled = ["hb_sampled_on", "platelets_sampled_on", "inr_sampled_on", "renal_sampled_on"]
    pre = [f"pre_assessment__{name}" for name in sampled] if record_model("pre_assessment") else []
    follow = (
        ["follow_up__completed_at", "follow_up__due_on", "follow_up__window_opens_on", "follow_up__window_closes_on"]
        if record_model("follow_up")
        else []
    )
    fields = ["pk", "status", "current_stage", "stage_entered_at", "priority", "referral_received_on"]
    fields += ["planned_procedure_on", "follow_up__pk" if follow else "pk", *pre, *follow, *has]
    rows = {}
    for v in Pathway.objects.filter(pk__in=ids).order_by().annotate(**has).values(*fields):
        is_open = v["status"] == "open"
        stage = v["current_stage"]
        untreated = is_open and stage in UNTREATED
        dates = [v[f] for f in pre if v[f] is not None]
        pending_follow_up = (
            is_open and bool(follow) and v["follow_up__pk"] is not None and v["follow_up__completed_at"] is None
        )
        rows[v["pk"]] = {
            "is_open": is_open,
            "stage": stage,
            "stage_entered_at": v["stage_entered_at"],
            "urgent": v["priority"] == "urgent",
            "referral_received_on": v["referral_received_on"],
            "planned_procedure_on": v["planned_procedure_on"],
            "awaiting_suitability": is_open and stage in ("referral", "suitability") and not v["has_suitability"],
            "mri_to_review": is_open and stage == "mri" and not v["has_mri"],
            "pre_assessment_due": is_open and stage == "pre_assessment" and not v["has_pre_assessment"],
            "awaiting_decision": is_open and stage in DECISION_STAGES and bool(v[f"has_{stage}"]),
            "in_recovery": is_open and stage == "recovery",
            "procedure_to_record": untreated and v["planned_procedure_on"] is not None and not v["has_procedure"],
            "bloods_oldest_on": min(dates) if untreated and dates else None,
            "follow_up_due_on": v["follow_up__due_on"] if pending_follow_up else None,
            "follow_up_opens_on": v["follow_up__window_opens_on"] if pending_follow_up else None,
            "follow_up_closes_on": v["follow_up__window_closes_on"] if pending_follow_up else None,
            "consent_to_take": False,
            "consent_to_confirm": False,
            "reconsent": False,
        }
    return rows


def compute(ids: Iterable[int]) -> dict[int, dict]:
    """The state of each pathway in `ids`, as {id: {field: value}} (a fixed number of queries)."""
    rows = _pathway_rows(list(ids))
    if rows:
        for provider in _providers:
            provider(rows)
    return rows


def refresh(ids: Iterable[int]) -> None:
    """Recompute and store the state of these pathways (inside the caller's transaction), then tell
    the listeners what changed (before and after, by pathway)."""
    ids = sorted(set(ids))
    if not ids:
        return
    before = stored(ids)
    after = compute(ids)
    for pk, values in after.items():
        if pk not in before:
            PathwayState.objects.create(pathway_id=pk, **values)
        elif before[pk] != values:
            PathwayState.objects.filter(pathway_id=pk).update(**values)
    changes = {pk: (before.get(pk), after.get(pk)) for pk in ids}
    for listener in _listeners:
        listener(changes)


def rebuild(*, batch: int = 2000, ids: Iterable[int] | None = None) -> int:
    """Recompute every pathway's state (or `ids`') from its records, in batches; returns how many."""
    Pathway = PathwayState._meta.get_field("pathway").related_model
    all_ids = sorted(ids) if ids is not None else list(Pathway.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(all_ids), batch):
        chunk = all_ids[start : start + batch]
        rows = compute(chunk)
        with transaction.atomic():
            PathwayState.objects.filter(pathway_id__in=chunk).delete()
            PathwayState.objects.bulk_create([PathwayState(pathway_id=pk, **v) for pk, v in rows.items()])
    return len(all_ids)


def stored(ids: Iterable[int]) -> dict[int, dict]:
    """The stored rows, in compute()'s shape (for comparing maintained with rebuilt)."""
    return {
        row.pop("pathway_id"): row
        for row in PathwayState.objects.filter(pathway_id__in=list(ids)).values("pathway_id", *STATE_FIELDS)
    }


# --- keeping it current ----------------------------------------------------------------------------

Changes = dict[int, tuple[dict | None, dict | None]]
_listeners: list[Callable[[Changes], None]] = []


def on_refresh(listener: Callable[[Changes], None]) -> None:
    """`listener({pathway id: (state before, state after)})` runs when a write has refreshed these
    pathways' state, inside its transaction (the dashboard app invalidates its cached counts for
    the lists concerned, on commit)."""
    if listener not in _listeners:
        _listeners.append(listener)


_shown_listeners: list[Callable[[list[int]], None]] = []


def on_shown_change(listener: Callable[[list[int]], None]) -> None:
    """`listener([pathway ids])` runs when what a list shows of these pathways changed without their
    state changing (a patient's name or NHS number), inside the write's transaction."""
    if listener not in _shown_listeners:
        _shown_listeners.append(listener)


def shown_changed(ids: Iterable[int]) -> None:
    ids = sorted(set(ids))
    if ids:
        for listener in _shown_listeners:
            listener(ids)


def _transaction_locks() -> set[int]:
    """The pathways locked in the current outermost transaction.

    The set lives on the connection with a marker callback registered with on_commit: once the
    transaction commits (the marker runs) or rolls back (Django drops its callbacks), the marker is
    no longer pending and a new transaction starts a new set. (The Atomic object cannot tell them
    apart: a function decorated with @transaction.atomic reuses one for every call.)"""
    if not connection.in_atomic_block:
        return set()
    current = getattr(connection, "_pathway_state_locks", None)
    if current is not None and any(entry[1] is current[0] for entry in connection.run_on_commit):
        return current[1]

    def marker():
        pass

    transaction.on_commit(marker)
    connection._pathway_state_locks = (marker, set())
    return connection._pathway_state_locks[1]


def note_locked(pathway_id: int) -> None:
    """Called by lock_pathway: rows saved later in this transaction refresh this pathway's state."""
    if connection.in_atomic_block:
        _transaction_locks().add(pathway_id)


def _pathway_of(instance) -> int | None:
    """The pathway a saved row belongs to: itself, its `pathway`, or one hop through a foreign key
    (a scan's finding, a consent's confirmation)."""
    meta = instance._meta
    if meta.model_name == "pathway" and meta.app_label == "pathway":
        return instance.pk
    if hasattr(instance, "pathway_id"):
        return instance.pathway_id
    for field in meta.concrete_fields:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            related = field.related_model
            if related is not None and any(f.name == "pathway" for f in related._meta.concrete_fields):
                parent_id = getattr(instance, field.attname)
                if parent_id is not None:
                    return related.objects.filter(pk=parent_id).values_list("pathway_id", flat=True).first()
    return None


WATCHED_APPS = {"pathway", "consent"}


def _is_watched(sender) -> bool:
    meta = sender._meta
    return (
        meta.app_label in WATCHED_APPS
        and sender is not PathwayState
        and not meta.model_name.startswith("historical")
        and meta.model_name not in ("patientaccess", "formsubmission", "rule", "approvedchange", "patient")
    )


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or not _is_watched(sender):
        return
    locked = _transaction_locks()
    ids = set(locked)
    if not ids:  # a write outside the services (fixtures, the admin): follow the row itself
        pathway_id = _pathway_of(instance)
        if pathway_id is not None:
            ids.add(pathway_id)
    elif hasattr(instance, "pathway_id") and instance.pathway_id is not None:
        ids.add(instance.pathway_id)
    refresh(ids)


post_save.connect(_on_save, dispatch_uid="pathway_state_on_save")
