"""Governed risk frequencies (issue 13 item 8): a new frequency of a library risk takes effect only
when a second consultant approves it; the approval adds the risk version that carries it.

The decision itself (who may, never the proposer, one transaction) is pathway.core.governance's.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError

from consent.risk_library import Risk, RiskFrequencyChange, RiskVersion
from pathway.core.governance import decide_change, history_reason

logger = logging.getLogger(__name__)

APPROVE_RISK_FREQUENCY_CHANGE = "consent.approve_risk_frequency_change"
PROPOSE_RISK_FREQUENCY_CHANGE = (APPROVE_RISK_FREQUENCY_CHANGE, "consent.change_risk")
FREQUENCY_FIELDS = ("frequency_numbers", "frequency_band")


def frequency_differs(current: RiskVersion, values: dict) -> bool:
    return any(getattr(current, name) != values[name] for name in FREQUENCY_FIELDS)


def add_risk_version(*, acting_user, risk: Risk, values: dict, reason: str = "") -> RiskVersion:
    """The next version of a risk (the caller holds the transaction). Versions are never edited."""
    current = risk.versions.select_for_update().order_by("-number").first()
    version = RiskVersion(risk=risk, number=(current.number + 1) if current else 1, created_by=acting_user, **values)
    version.full_clean(exclude=["risk"])
    version._history_user = acting_user
    if reason:
        version._change_reason = reason
    version.save()
    return version


def propose_frequency_change(
    *, acting_user, risk: Risk, frequency_numbers: str, frequency_band: str, reason: str
) -> RiskFrequencyChange:
    if not any(acting_user.has_perm(p) for p in PROPOSE_RISK_FREQUENCY_CHANGE):
        raise PermissionDenied("You may not propose a change to a risk's frequency.")
    current = risk.current_version
    change = RiskFrequencyChange(
        risk=risk,
        previous_numbers=current.frequency_numbers,
        previous_band=current.frequency_band,
        frequency_numbers=frequency_numbers,
        frequency_band=frequency_band,
        reason=reason,
        proposed_by=acting_user,
    )
    change.full_clean()
    change.save()
    logger.info("risk.frequency_change_proposed code=%s change=%s user=%s", risk.code, change.pk, acting_user.pk)
    return change


def _apply_frequency_change(change: RiskFrequencyChange) -> None:
    risk = Risk.objects.select_for_update().get(pk=change.risk_id)
    current = risk.current_version
    if (current.frequency_numbers, current.frequency_band) != (change.previous_numbers, change.previous_band):
        raise ValidationError("The risk's frequency has changed since this proposal; propose the change again.")
    values = {name: getattr(current, name) for name in ("name", "patient_wording", "source")}
    values.update(frequency_numbers=change.frequency_numbers, frequency_band=change.frequency_band)
    add_risk_version(
        acting_user=change.decided_by, risk=risk, values=values, reason=history_reason(change, change.decided_by)
    )


def approve_frequency_change(*, acting_user, change: RiskFrequencyChange) -> RiskFrequencyChange:
    return decide_change(
        acting_user=acting_user,
        change=change,
        approve=True,
        permission=APPROVE_RISK_FREQUENCY_CHANGE,
        apply=_apply_frequency_change,
    )


def reject_frequency_change(*, acting_user, change: RiskFrequencyChange) -> RiskFrequencyChange:
    return decide_change(
        acting_user=acting_user,
        change=change,
        approve=False,
        permission=APPROVE_RISK_FREQUENCY_CHANGE,
        apply=_apply_frequency_change,
    )
