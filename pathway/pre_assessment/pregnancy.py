"""Whom the pregnancy question applies to (domain.md 4.4: required for women of childbearing
potential, on the day of the procedure; NICE NG45 1.3.1 [A][R30]).

The record holds the patient's sex and date of birth, not childbearing potential, so the question is
skipped only where it plainly cannot apply: a man, or a woman older than the rule
`pregnancy_question_max_age_years`. The reason it was skipped is recorded with the answer, so the
record and its history say why it was not asked. Anyone else is asked; a clinician who answers "not
applicable" gives the reason (for example a hysterectomy).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from pathway.core.models import Patient, Rule, Sex

MAX_AGE_RULE = "pregnancy_question_max_age_years"
NEEDS_REASON = "Say why the pregnancy question does not apply, for example a hysterectomy."


def not_applicable_reason(patient: Patient, on: datetime.date, max_age: int) -> str:
    """Why the question does not apply to this patient on this day; "" when it must be asked."""
    if patient.sex == Sex.MALE:
        return "Not applicable: male"
    age = patient.age_on(on)
    if age > max_age:
        return f"Not applicable: aged {age} (over {max_age})"
    return ""


def max_age() -> int:
    value = Rule.objects.filter(key=MAX_AGE_RULE).values_list("value", flat=True).first()
    return int(value) if value is not None else 55


def skipped_reason(pathway, on: datetime.date | None = None) -> str:
    """The reason the question is skipped for this pathway's patient on `on` (the planned procedure
    day, else today); "" when it must be asked."""
    day = on or pathway.planned_procedure_on or timezone.localdate()
    # One query per pathway object for the page, however many parts of it ask.
    if not hasattr(pathway, "_pregnancy_max_age"):
        pathway._pregnancy_max_age = max_age()
    return not_applicable_reason(pathway.patient, day, pathway._pregnancy_max_age)
