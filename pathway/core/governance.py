"""Governed configuration (issue 13 item 8): a clinical rule's value changes only when a second
person, holding the approval permission, approves the change another proposed.

`decide_change` is shared with the consent risk library (consent/governance.py), which passes its
own `apply`. Every write is keyword-only, takes `acting_user` and runs in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from pathway.core.models import ApprovedChange, ChangeStatus, Rule, RuleChange

logger = logging.getLogger(__name__)

APPROVE_RULE_CHANGE = "pathway.approve_rule_change"
PROPOSE_RULE_CHANGE = (APPROVE_RULE_CHANGE, "pathway.change_rule")
CHANGE_REASON_LENGTH = 100  # simple_history's history_change_reason


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "nobody"


def history_reason(change: ApprovedChange, approver) -> str:
    text = f"Change {change.pk} proposed by {person(change.proposed_by)}, approved by {person(approver)}"
    return text[:CHANGE_REASON_LENGTH]


def propose_rule_change(*, acting_user, rule: Rule, value, reason: str) -> RuleChange:
    """A pending change of a rule's value; the rule itself is not touched until approved."""
    if not any(acting_user.has_perm(p) for p in PROPOSE_RULE_CHANGE):
        raise PermissionDenied("You may not propose a change to a clinical rule.")
    try:
        value = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError({"proposed_value": "Enter a number."}) from exc
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        if value == rule.value:
            raise ValidationError({"proposed_value": f"The rule is already {rule.value} {rule.unit}."})
        change = RuleChange(
            rule=rule, previous_value=rule.value, proposed_value=value, reason=reason, proposed_by=acting_user
        )
        change.full_clean()
        change.save()
    logger.info("rule.change_proposed rule=%s change=%s user=%s", rule.key, change.pk, acting_user.pk)
    return change


def decide_change(
    *, acting_user, change: ApprovedChange, approve: bool, permission: str, apply: Callable[[ApprovedChange], None]
) -> ApprovedChange:
    """Approve (and apply, in the same transaction) or reject a pending change.

    Only holders of `permission` decide; the proposer may withdraw (reject) their own change but never
    approve it. The change row is locked first, then whatever `apply` locks.
    """
    if not acting_user.has_perm(permission):
        raise PermissionDenied("Only a consultant with the approval permission may decide a configuration change.")
    model = type(change)
    with transaction.atomic():
        change = model.objects.select_for_update().get(pk=change.pk)
        if change.status != ChangeStatus.PENDING:
            raise ValidationError(
                f"This change was already {change.get_status_display().lower()} by {person(change.decided_by)}."
            )
        if approve and change.proposed_by_id == acting_user.pk:
            raise PermissionDenied("You proposed this change: a second consultant must approve it.")
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = acting_user
        change.decided_at = timezone.now()
        change._history_user = acting_user
        if approve:
            apply(change)
        change.save()
    logger.info(
        "config.change_decided model=%s change=%s status=%s user=%s",
        model.__name__,
        change.pk,
        change.status,
        acting_user.pk,
    )
    return change


def _apply_rule_change(change: RuleChange) -> None:
    rule = Rule.objects.select_for_update().get(pk=change.rule_id)
    if rule.value != change.previous_value:
        raise ValidationError(
            f"The rule has changed since this proposal (now {rule.value} {rule.unit}); propose the change again."
        )
    rule.value = change.proposed_value
    rule.full_clean()  # the bounds again: they may have changed since the proposal
    rule._history_user = change.decided_by
    rule._change_reason = history_reason(change, change.decided_by)
    rule.save()


def approve_rule_change(*, acting_user, change: RuleChange) -> RuleChange:
    return decide_change(
        acting_user=acting_user, change=change, approve=True, permission=APPROVE_RULE_CHANGE, apply=_apply_rule_change
    )


def reject_rule_change(*, acting_user, change: RuleChange) -> RuleChange:
    return decide_change(
        acting_user=acting_user, change=change, approve=False, permission=APPROVE_RULE_CHANGE, apply=_apply_rule_change
    )
