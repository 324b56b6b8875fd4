"""Pre-assessment writes beyond the form itself: the planned procedure date, set when the nurse books it."""

from __future__ import annotations

import logging

from django.db import transaction

from pathway.core.models import Pathway, lock_pathway
from pathway.core.services import save_versioned

logger = logging.getLogger(__name__)


@transaction.atomic
def set_planned_procedure_date(*, acting_user, pathway: Pathway, planned_on) -> Pathway:
    """Move the planned procedure date (kept on the pathway), with history. Anticoagulant plans and
    blood-result validity are worked out from it when read, so they follow the new date at once."""
    stored = lock_pathway(pathway).planned_procedure_on
    if stored == planned_on:
        return pathway
    pathway.planned_procedure_on = planned_on
    save_versioned(instance=pathway, expected_version=pathway.version, acting_user=acting_user)
    logger.info("pathway.planned_date_set pathway=%s user=%s", pathway.pk, acting_user.pk)
    return pathway
