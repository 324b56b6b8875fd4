"""Recording a complication, from the procedure to 12 months after (domain.md 8.1)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction

from pathway import workflow
from pathway.complications import gates as complications_gates
from pathway.core.models import Pathway
from pathway.core.services import lock_state, save_versioned

logger = logging.getLogger(__name__)


@transaction.atomic
def record_complication(*, acting_user, pathway: Pathway, complication):
    """Record an adverse event from the procedure up to the rule's window after it (domain.md 6.4, 8.1)."""
    if not complications_gates.can_record_complication(acting_user):
        raise PermissionDenied
    lock_state(pathway)
    refusal = complications_gates.complication_refusal(pathway)
    if refusal:
        raise workflow.WorkflowError(refusal)
    complication.pathway = pathway
    save_versioned(instance=complication, expected_version=None, acting_user=acting_user)
    logger.info("complication.recorded pathway=%s user=%s", pathway.pk, acting_user.pk)
    return complication
