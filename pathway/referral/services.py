"""Referral: opening a pathway (the referral is the pathway itself) and re-referral."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import roles
from pathway import workflow
from pathway.core.models import Pathway, ReferrerType
from pathway.core.services import save_versioned

logger = logging.getLogger(__name__)


@transaction.atomic
def open_pathway(*, acting_user, pathway: Pathway) -> Pathway:
    """Record a new referral: the pathway opens at the referral stage."""
    if not acting_user.has_perm(roles.RECORD_REFERRAL):
        raise PermissionDenied
    save_versioned(instance=pathway, expected_version=None, acting_user=acting_user)
    workflow.open_pathway(pathway=pathway, acting_user=acting_user)
    logger.info("pathway.opened id=%s user=%s", pathway.pk, acting_user.pk)
    return pathway


def re_referral_for(pathway: Pathway, *, acting_user) -> Pathway:
    """The new pathway a re-referral opens: same patient, referred today by the service itself."""
    return Pathway(
        patient=pathway.patient,
        referral_received_on=timezone.localdate(),
        referrer_type=ReferrerType.CONSULTANT,
        referrer_name=acting_user.get_full_name() or acting_user.get_username(),
        referrer_organisation="Vertebroplasty service (re-referral at follow-up)",
        aetiology=pathway.aetiology,
        priority=pathway.priority,
        responsible_consultant=pathway.responsible_consultant,
    )
