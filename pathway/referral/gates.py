"""G1, referral -> suitability assessment: is the referral complete? (domain.md 2.4)"""

from __future__ import annotations

from pathway.core.gating import (
    Reason,
)
from pathway.core.models import Pathway


def gate_suitability(pathway: Pathway) -> list[Reason]:
    """G1 Referral -> triaged: NHS number, referral date, referrer and aetiology (domain.md 2.4)."""
    reasons: list[Reason] = []
    if not pathway.patient.nhs_number:
        reasons.append(Reason("The patient has no NHS number."))
    if not pathway.referral_received_on:
        reasons.append(Reason("The referral date is missing."))
    if not pathway.referrer_type or not pathway.referrer_organisation:
        reasons.append(Reason("The referrer is missing."))
    if not pathway.aetiology:
        reasons.append(Reason("The aetiology is missing."))
    return reasons
