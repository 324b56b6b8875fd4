"""The letter to the GP at discharge: what was done, what happened, what to restart and when, the
follow-up date and what the GP is asked to do. Set out under the headings of the PRSB eDischarge
summary standard (Professional Record Standards Body), in the project's own words.

Rendered when the discharge happens (the handler registered in interop.apps), stored with its
SHA-256 and served as stored: reading never writes (design.md 9).
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

from interop.models import GpLetter
from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.pdf import render_pdf
from pathway.core.service_settings import ServiceSettings
from pathway.recovery.discharge_sheet import restart_plan


def context(pathway) -> dict:
    procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    recovery = workflow.stage_record(pathway, Stage.RECOVERY)
    suitability = workflow.stage_record(pathway, Stage.SUITABILITY)
    follow_up = workflow.stage_record(pathway, Stage.FOLLOW_UP)
    levels = [level.level for level in procedure.levels.order_by("id")] if procedure else []
    complications = list(pathway.complications.select_related("risk").order_by("onset_at", "id"))
    service = ServiceSettings.current()  # the trust's details at the discharge, stored as printed (issue 16)
    return {
        "service": service,
        "service_logo": service.logo_data_url(),
        "pathway": pathway,
        "patient": pathway.patient,
        "procedure": procedure,
        "levels": levels,
        "operator": procedure.operator if procedure else None,
        "complications": complications,
        "restarts": restart_plan(pathway),
        "recovery": recovery,
        "suitability": suitability,
        "follow_up_due": follow_up.due_on if follow_up else None,
        "printed_at": timezone.now(),
    }


def render(pathway) -> bytes:
    return render_pdf("interop/pdf/gp_letter.html", context(pathway))


def store_at_discharge(*, pathway, acting_user) -> GpLetter:
    """Render the letter as things stand at the discharge and store it (called by the discharge
    service inside its transaction: a discharge always has its letter)."""
    pdf = render(pathway)
    letter = GpLetter(pathway=pathway, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), rendered_by=acting_user)
    letter.file.save(f"gp-letter-pathway-{pathway.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter


def stored(pathway) -> GpLetter | None:
    return GpLetter.objects.filter(pathway=pathway).order_by("-rendered_at", "-id").first()
