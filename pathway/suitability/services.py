"""Who records the suitability decision (domain.md 2.3: a consultant radiologist; domain.md 10: a
trainee may draft it for a consultant to confirm)."""

from __future__ import annotations

from django.utils import timezone


def mark_decision(*, instance, acting_user) -> None:
    """Before the assessment is saved: a consultant's save records (or confirms) the decision; any
    other save, a trainee's, leaves a draft that no gate accepts until a consultant saves it."""
    if acting_user.is_consultant:
        instance.decided_by = acting_user
        instance.decided_at = timezone.now()
    else:
        instance.drafted_by = acting_user
        instance.decided_by = None
        instance.decided_at = None
