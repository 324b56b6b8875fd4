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


def history_for(*, pathway: Pathway, limit: int = 50) -> list:
    """Field-level changes to the pathway and its patient, newest first (django-simple-history)."""
    entries = []
    for model_history in (pathway.history, pathway.patient.history):
        records = list(model_history.select_related("history_user").order_by("-history_date")[:limit])
        for newer, older in zip(records, records[1:] + [None], strict=False):
            if older is None:
                changes = ["created"]
            else:
                delta = newer.diff_against(older)
                changes = [c.field for c in delta.changes]
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
