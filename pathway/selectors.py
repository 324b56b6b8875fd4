"""Reads. The only way a view obtains a patient or a pathway (one access function per object type).

Every signed-in clinician and manager with the view permission sees every patient of the service;
the permission check lives here so that a later rule (e.g. per-team access) changes one place.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pathway.core.choices import Level
from pathway.core.models import Pathway, Patient, StageTransition
from pathway.mri.models import MriLevelFinding


def patients_for_user(*, user) -> QuerySet[Patient]:
    if not user.has_perm("pathway.view_patient"):
        raise PermissionDenied
    return Patient.objects.all()


def get_patient_for_user(*, user, patient_id: int) -> Patient:
    try:
        return patients_for_user(user=user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such patient.") from exc


def pathways_for_user(*, user) -> QuerySet[Pathway]:
    if not user.has_perm("pathway.view_pathway"):
        raise PermissionDenied
    return Pathway.objects.with_patient()


def get_pathway_for_user(*, user, pathway_id: int) -> Pathway:
    try:
        return pathways_for_user(user=user).get(pk=pathway_id)
    except (Pathway.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such pathway.") from exc


def transitions_for(*, pathway: Pathway) -> QuerySet[StageTransition]:
    return pathway.transitions.select_related("acting_user").order_by("at", "id")


# Bookkeeping fields every save changes: not news to a reader of the history.
HISTORY_SKIPPED_FIELDS = {"version", "updated_at"}


def _shown(field, value) -> str:
    """A stored value as a person reads it: a choice's label, a blank as a dash, long text cut."""
    if value in (None, "", []):
        return "—"
    choices = dict(field.flatchoices) if getattr(field, "flatchoices", None) else {}
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(choices.get(value, value))
    return text if len(text) <= 80 else f"{text[:79]}…"


def history_for(*, pathway: Pathway, limit: int = 50) -> list:
    """Field-level changes to the pathway and its patient, newest first (django-simple-history):
    each change names the field, its old and new values, who made it and when (issue 16)."""
    entries = []
    for model_history in (pathway.history, pathway.patient.history):
        records = list(model_history.select_related("history_user").order_by("-history_date")[:limit])
        for newer, older in zip(records, records[1:] + [None], strict=False):
            if older is None:
                changes = [{"field": "record created", "old": "", "new": ""}]
            else:
                delta = newer.diff_against(older, excluded_fields=HISTORY_SKIPPED_FIELDS)
                meta = newer.instance._meta
                changes = [
                    {
                        "field": str(meta.get_field(c.field).verbose_name),
                        "old": _shown(meta.get_field(c.field), c.old),
                        "new": _shown(meta.get_field(c.field), c.new),
                    }
                    for c in delta.changes
                ]
                if not changes:
                    continue
            entries.append(
                {
                    "when": newer.history_date,
                    "who": newer.history_user,
                    "what": newer.instance._meta.verbose_name,
                    "changes": changes,
                }
            )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def planned_levels(*, pathway: Pathway) -> list[str]:
    """The levels to treat: MRI findings concordant with the exam AND showing oedema, in Level order.

    NICE TA279 1.1 [A][R1]. Empty when no MRI review is recorded. Consent and the procedure read this.
    """

    levels = MriLevelFinding.objects.filter(scan__pathway=pathway).treatable().values_list("level", flat=True)
    return sorted(levels, key=Level.sort_key)
