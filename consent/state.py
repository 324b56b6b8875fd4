"""The consent app's part of the stored pathway state (pathway.core.state): which pathways have a
consent to take, one to confirm on the day, or one to take again because the planned levels changed.

Registered at start-up (consent.apps); the pathway app cannot import consent (docs/architecture.md).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from consent.models import ConsentConfirmation, ConsentRecord, ConsentWithdrawal
from pathway.core.state import UNTREATED
from pathway.mri.models import MriLevelFinding


def fill_consent_state(rows: dict[int, dict]) -> None:
    """Two queries for any number of pathways: their standing consents (current, signed, not
    withdrawn, with whether confirmed), and the levels now planned (treatable MRI findings)."""
    open_ids = [pk for pk, row in rows.items() if row["is_open"]]
    if not open_ids:
        return
    standing = (
        ConsentRecord.objects.current()
        .signed()
        .filter(pathway_id__in=open_ids)
        .filter(~Exists(ConsentWithdrawal.objects.filter(consent_id=OuterRef("pk"))))
        .annotate(confirmed=Exists(ConsentConfirmation.objects.filter(consent_id=OuterRef("pk"))))
        .order_by()
        .values_list("pathway_id", "levels", "confirmed")
    )
    consents = {pathway_id: (levels, confirmed) for pathway_id, levels, confirmed in standing}
    planned: dict[int, set[str]] = {}
    untreated = [pk for pk in consents if rows[pk]["stage"] in UNTREATED]
    if untreated:
        # The levels now planned: pathway.selectors.planned_levels (unhealed and concordant, NICE TA279 1.1).
        findings = MriLevelFinding.objects.treatable().filter(scan__pathway_id__in=untreated)
        for pathway_id, level in findings.values_list("scan__pathway_id", "level"):
            planned.setdefault(pathway_id, set()).add(level)
    for pk in open_ids:
        row = rows[pk]
        consent = consents.get(pk)
        untreated_here = row["stage"] in UNTREATED
        # Consents to take: at the consent stage with no signed consent in force (domain.md 5).
        row["consent_to_take"] = row["stage"] == "consent" and consent is None
        # Two-stage consent: signed, not yet confirmed on the day (domain.md 5.6).
        row["consent_to_confirm"] = untreated_here and consent is not None and not consent[1]
        # The signed consent's levels differ from the levels now planned (consent.selectors.levels_changed).
        row["reconsent"] = untreated_here and consent is not None and set(consent[0] or []) != planned.get(pk, set())
