"""POST payloads for the suitability, MRI and pre-assessment forms (valid unless changed)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone


def url(pathway, name: str) -> str:
    """Where a stage form of the pathway is posted: name is "suitability", "mri" or "pre_assessment"."""
    return reverse(f"pathway:{name}", kwargs={"pk": pathway.pk})


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def suitability(**changes) -> dict:
    data = {
        "assessed_on": day(0),
        "pain_score": "8",
        "pain_at_level_on_exam": "on",
        "exam_findings": "Percussion tenderness at T12.",
        "suspected_levels": ["T12"],
        "conservative_treatment": "Co-codamol and physiotherapy for 5 weeks.",
        "conservative_failure_reasons": ["pain_persists"],
        "mobility": "aid",
        "neuro_exam": "normal",
        "mdt_on": day(0),
        "mdt_radiologist": "other",
        "mdt_radiologist_other": "Dr Carter",
        "mdt_spinal_surgeon": "Mr Patel",
        "spinal_surgery_access": "on",
        "bone_health_plan": "referred",
        "outcome": "suitable",
        # The outcome baseline (domain.md 8.2): ODI 34 of 45 answered sections.
        "baseline_pain_rest": "6",
        "baseline_pain_activity": "8",
        "disability_instrument": "odi",
        **{f"odi_{n}": "4" for n in range(1, 11) if n not in (2, 5, 8)},
        "odi_2": "3",
        "odi_5": "3",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def mri(levels: list[dict] | None = None, **changes) -> dict:
    levels = levels if levels is not None else [level_row()]
    data = {
        "modality": "mri",
        "safety_screen_done": "on",
        "scanned_on": day(-1),
        "accession_number": "RAD000123",
        "reported_by": "other",
        "reported_by_other": "Dr Menon",
        "report": "Acute T12 fracture with STIR oedema.",
        **_management("levels", len(levels)),
    }
    for i, row in enumerate(levels):
        data.update({f"levels-{i}-{key}": value for key, value in row.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def level_row(level: str = "T12", **changes) -> dict:
    row = {
        "level": level,
        "oedema": "present",
        "t1_signal": "low",
        "height_loss_pct": "25",
        "posterior_wall": "intact",
        "malignancy_features": "none",
        "concordant_with_exam": "on",
    }
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def pre_assessment(allergies: list[dict] | None = None, medicines: list[dict] | None = None, **changes) -> dict:
    allergies = allergies or []
    medicines = medicines or []
    data = {
        "assessed_on": day(0),
        "planned_procedure_on": day(10),
        "hb_g_l": "125",
        "hb_sampled_on": day(0),
        "platelets": "210",
        "platelets_sampled_on": day(0),
        "inr": "1.1",
        "inr_sampled_on": day(0),
        "creatinine_umol_l": "85",
        "egfr": "64",
        "renal_sampled_on": day(0),
        "weight_kg": "62",
        "asa_grade": "2",
        "no_known_allergies": "" if allergies else "on",
        "no_antithrombotics": "" if medicines else "on",
        "medicines_reconciled": "on",
        "pregnancy_status": "not_applicable",
        "can_lie_prone": "on",
        "escort_confirmed": "on",
        "transport_home_arranged": "on",
        "left_leg_power": "5",
        "right_leg_power": "5",
        "left_leg_sensation": "normal",
        "right_leg_sensation": "normal",
        **_management("allergies", len(allergies)),
        **_management("medicines", len(medicines)),
    }
    for prefix, rows in (("allergies", allergies), ("medicines", medicines)):
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v not in (None, "")}
