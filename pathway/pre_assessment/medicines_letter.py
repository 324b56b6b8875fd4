"""The patient's letter "Your medicines before the procedure" (issue 14 item 14): each blood-thinning
medicine with the patient's own last dose and restart day from the hold plan (pathway.anticoagulation,
domain.md 4.3), and what to do about other medicines, in the project's own words following the
service leaflets' facts [L].

Rendered and stored when the pre-assessment is saved (reads never write, design.md 9); the page
serves the latest stored letter. Rendered through pathway/core/pdf.py, the only WeasyPrint importer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from pathway.core.models import Pathway
from pathway.core.pdf import render_pdf
from pathway.pre_assessment.models import MedicinesLetter, PreAssessment


@dataclass(frozen=True)
class Hold:
    medicine: str
    last_dose_on: object  # date or None
    timing: str
    restart_on: object  # date or None
    advice: str


def holds(pre: PreAssessment) -> list[Hold]:
    """Each anticoagulant or antiplatelet medicine: the last dose and restart from the plan, or the
    clinician's written plan where the table cannot decide."""
    rows = []
    for medicine in pre.medicines.all():
        plan = medicine.plan
        if plan.needs_written_plan or plan.last_dose_on is None:
            advice = medicine.clinician_plan.strip() or "The team will tell you what to do with this medicine."
            rows.append(Hold(medicine.name, None, "", None, advice))
        else:
            rows.append(Hold(medicine.name, plan.last_dose_on, plan.timing, plan.restart_on, plan.restart_advice))
    return rows


def context(pathway: Pathway, pre: PreAssessment) -> dict:
    return {
        "pathway": pathway,
        "patient": pathway.patient,
        "procedure_on": pathway.planned_procedure_on,
        "holds": holds(pre),
        "printed_at": timezone.now(),
    }


def render(pathway: Pathway, pre: PreAssessment) -> bytes:
    return render_pdf("pathway/pdf/medicines_letter.html", context(pathway, pre))


def store(*, pathway: Pathway, pre: PreAssessment, acting_user) -> MedicinesLetter:
    """Render the letter as the pre-assessment now stands and store it with its SHA-256 (called in
    the transaction saving the pre-assessment, so the stored letter always matches a saved record)."""
    pdf = render(pathway, pre)
    letter = MedicinesLetter(pre_assessment=pre, sha256=hashlib.sha256(pdf).hexdigest(), rendered_by=acting_user)
    letter.file.save(f"medicines-pathway-{pathway.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter


def stored(pathway: Pathway) -> MedicinesLetter | None:
    return MedicinesLetter.objects.filter(pre_assessment__pathway=pathway).order_by("-rendered_at", "-id").first()
