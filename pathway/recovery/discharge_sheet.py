"""The patient's discharge advice sheet (domain.md 7.3): the project's own words, with the patient's
own anticoagulant restart dates from the pre-assessment plan (pathway.anticoagulation).

Rendered through pathway/core/pdf.py, the only module that imports WeasyPrint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from pathway import workflow
from pathway.core.choices import Stage
from pathway.core.models import Pathway
from pathway.core.pdf import render_pdf
from pathway.core.service_settings import ServiceSettings
from pathway.follow_up import services as follow_up_services
from pathway.recovery.models import DischargeSheet


@dataclass(frozen=True)
class Restart:
    medicine: str
    restart_on: object  # date or None
    advice: str
    last_dose_on: object = None  # the patient's own last dose before the procedure (the stop date)


def restart_plan(pathway: Pathway) -> list[Restart]:
    """Each anticoagulant or antiplatelet medicine with its restart day (or the clinician's plan)."""
    pre = workflow.stage_record(pathway, Stage.PRE_ASSESSMENT)
    if pre is None:
        return []
    rows = []
    for medicine in pre.medicines.all():
        plan = medicine.plan
        if plan.needs_written_plan or plan.restart_on is None:
            advice = medicine.clinician_plan.strip() or "Ask the team before you take this again."
            rows.append(Restart(medicine.name, None, advice))
        else:
            rows.append(Restart(medicine.name, plan.restart_on, plan.restart_advice, plan.last_dose_on))
    return rows


def context(pathway: Pathway) -> dict:
    procedure = workflow.stage_record(pathway, Stage.PROCEDURE)
    follow_up = workflow.stage_record(pathway, Stage.FOLLOW_UP) or follow_up_services.new_follow_up(pathway)
    pre = workflow.stage_record(pathway, Stage.PRE_ASSESSMENT)
    service = ServiceSettings.current()  # printed now, at the discharge, and stored as printed
    return {
        "service": service,
        "service_logo": service.logo_data_url(),
        "pathway": pathway,
        "patient": pathway.patient,
        "procedure": procedure,
        "levels": [level.level for level in procedure.levels.order_by("id")] if procedure else [],
        "restarts": restart_plan(pathway),
        "takes_antithrombotics": bool(pre and pre.medicines.exists()),
        "follow_up_due": follow_up.due_on,
        "recovery": workflow.stage_record(pathway, Stage.RECOVERY),
        "printed_at": timezone.now(),
    }


def render(pathway: Pathway) -> bytes:
    return render_pdf("pathway/pdf/discharge_sheet.html", context(pathway))


def store(*, pathway: Pathway, acting_user) -> DischargeSheet:
    """Render the sheet as it stands at the discharge and store it with its SHA-256 (the discharge
    service calls this in its transaction, so a discharge always has its sheet)."""
    pdf = render(pathway)
    sheet = DischargeSheet(
        recovery=workflow.stage_record(pathway, Stage.RECOVERY),
        sha256=hashlib.sha256(pdf).hexdigest(),
        rendered_by=acting_user,
    )
    sheet.file.save(f"discharge-pathway-{pathway.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf), save=False)
    sheet.save()
    return sheet


def stored(pathway: Pathway) -> DischargeSheet | None:
    """The sheet printed at the discharge, or None (not discharged yet, or discharged before sheets
    were stored)."""
    return DischargeSheet.objects.filter(recovery__pathway=pathway).order_by("-rendered_at", "-id").first()
