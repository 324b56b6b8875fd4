"""Writes shared by every stage: the versioned save (a stale form is refused), patients, and the
one service that saves a stage's record. Every write takes `acting_user`. (The access log, written on
every read, is pathway/core/access_log.py.)
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.models import Pathway, Patient, lock_pathway

logger = logging.getLogger(__name__)


class StaleEdit(Exception):
    """Someone else saved this record after the form was opened."""

    message = (
        "Someone else saved this record after you opened it. Nothing you entered was saved; "
        "the form now shows their version. Please re-enter your changes."
    )


class DuplicateRecord(StaleEdit):
    """The row could not be created: the database already holds one it must be unique against (the
    same record created by someone else a moment ago, e.g. a patient with this NHS number)."""

    message = (
        "This was recorded by someone else a moment ago, so nothing you entered was saved. "
        "The page now shows what is recorded."
    )


def _stamp(instance: models.Model, acting_user) -> None:
    now = timezone.now()
    if instance.pk is None:
        instance.created_at = now
    instance.updated_at = now
    instance.recorded_by = acting_user
    instance._history_user = acting_user


def save_versioned(*, instance: models.Model, expected_version: int | None, acting_user) -> models.Model:
    """Save a ClinicalRecord unless it changed since `expected_version` (optimistic locking).

    The version check and the bump are one UPDATE ... WHERE version = expected, so two concurrent
    saves cannot both win.
    """
    model = type(instance)
    _stamp(instance, acting_user)
    if instance.pk is None:
        instance.version = 1
        try:
            with transaction.atomic():  # a savepoint: a refused insert leaves the transaction usable
                instance.save()
        except IntegrityError as exc:
            instance.pk = None
            raise DuplicateRecord from exc
        return instance
    if expected_version is None:
        raise StaleEdit
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(version=expected_version + 1)
    if updated != 1:
        raise StaleEdit
    instance.version = expected_version + 1
    instance.save()
    return instance


@transaction.atomic
def register_patient(*, acting_user, patient: Patient) -> Patient:
    if not acting_user.has_perm(roles.ADD_PATIENT):
        raise PermissionDenied
    save_versioned(instance=patient, expected_version=None, acting_user=acting_user)
    logger.info("patient.registered id=%s user=%s", patient.pk, acting_user.pk)
    return patient


@transaction.atomic
def update_patient(*, acting_user, patient: Patient, expected_version: int | None) -> Patient:
    if not acting_user.has_perm(roles.CHANGE_PATIENT):
        raise PermissionDenied
    save_versioned(instance=patient, expected_version=expected_version, acting_user=acting_user)
    logger.info("patient.updated id=%s user=%s", patient.pk, acting_user.pk)
    return patient


@transaction.atomic
def save_stage_record(
    *,
    acting_user,
    pathway: Pathway,
    stage: Stage,
    instance: models.Model,
    expected_version: int | None,
    after_save: Any = None,
) -> models.Model:
    """Save the form of one stage (the referral, or a stage record) with the version check.

    `after_save(instance)` saves dependent rows (per-level findings, medicines) in the same
    transaction, so a refused save leaves nothing behind.
    """
    if not workflow.can_record(acting_user, stage):
        raise PermissionDenied
    lock_state(pathway)
    refusal = workflow.recording_refusal(pathway, stage)
    if refusal:
        raise workflow.WorkflowError(refusal)
    if instance.pk is None and hasattr(instance, "pathway_id"):
        instance.pathway = pathway
    save_versioned(instance=instance, expected_version=expected_version, acting_user=acting_user)
    if after_save is not None:
        after_save(instance)
    logger.info("stage.saved stage=%s pathway=%s user=%s", stage, pathway.pk, acting_user.pk)
    return instance


def save_rows(*, acting_user, formset, parent: models.Model) -> None:
    """Save the inline rows of a stage record (MRI levels, allergies, medicines) with history.

    Call inside the stage save's transaction (save_stage_record's `after_save`). Rows are never
    deleted: a row marked for removal is kept and flagged entered in error.
    """
    formset.instance = parent
    for row in formset.save(commit=False):
        _stamp(row, acting_user)
        if row.pk is not None:
            row.version += 1
        row.save()
    for row in getattr(formset, "deleted_objects", []):
        _stamp(row, acting_user)
        row.entered_in_error = True
        row.version += 1
        row.save(update_fields=["entered_in_error", "version", "updated_at", "recorded_by"])


def require_perm(acting_user, perm: str) -> None:
    if not acting_user.has_perm(perm):
        raise PermissionDenied


def lock_state(pathway: Pathway) -> Pathway:
    """Lock the pathway row for the rest of the transaction and bring `pathway`'s state (stage,
    status, planned date) up to date from it, so the checks that follow read what is committed and
    no other write on this pathway runs until this one ends (design.md 9)."""
    locked = lock_pathway(pathway)
    for name in ("current_stage", "status", "exit_state", "stage_entered_at", "closed_at", "planned_procedure_on"):
        setattr(pathway, name, getattr(locked, name))
    return pathway


def check_stage_open(pathway: Pathway, stage: Stage) -> None:
    """Lock the pathway (lock_state), then refuse if the stage cannot be recorded now."""
    lock_state(pathway)
    refusal = workflow.recording_refusal(pathway, stage)
    if refusal:
        raise workflow.WorkflowError(refusal)
