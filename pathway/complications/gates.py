"""Who may record a complication, and until when (domain.md 8.1)."""

from __future__ import annotations

from django.utils import timezone

from accounts import roles
from pathway.core.choices import Stage
from pathway.core.gating import (
    stage_record,
)
from pathway.core.models import Pathway, rule_values


def can_record_complication(user) -> bool:
    """Complications are recorded at the procedure, in recovery and at follow-up, by whoever is there."""
    return any(user.has_perm(perm) for perm in (roles.RECORD_PROCEDURE, roles.RECORD_RECOVERY, roles.RECORD_FOLLOW_UP))


def complication_refusal(pathway: Pathway) -> str | None:
    """Complications can be recorded from the procedure until the rule's window after it (12 months
    by default: late infection presents months later, domain.md 8.1 [E][R53][I]), even on a closed
    pathway."""
    procedure = stage_record(pathway, Stage.PROCEDURE)
    if procedure is None:
        return "No procedure is recorded on this pathway, so there is nothing to record a complication against."
    window = int(rule_values()["adverse_event_window_days"])
    if (timezone.localdate() - procedure.procedure_day).days > window:
        return f"More than {window} days have passed since the procedure; report it through the incident system."
    return None
