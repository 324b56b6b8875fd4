"""Observations: each recovery observation set (every vital sign, ACVPU, pain and the NEWS2 total),
the pain scores at suitability and follow-up, and the Oswestry Disability Index as a
QuestionnaireResponse with its score. Codes: interop/terminology.py.
"""

from __future__ import annotations

from interop import terminology as t
from interop.fhir.collector import Collector, day, instant, number, resource_id
from pathway.outcomes import ODI_SECTIONS, DisabilityInstrument

VITAL = t.category("vital-signs", "Vital Signs")
SURVEY = t.category("survey", "Survey")
EXAM = t.category("exam", "Exam")


def _quantity(value, unit: str, code: str) -> dict:
    return {"value": number(value), "unit": unit, "system": t.UCUM, "code": code}


def _observation(out: Collector, rid: str, *, code: dict, category, subject, when: str, vital=False, **value) -> dict:
    extra = (t.VITAL_SIGNS_PROFILE,) if vital else ()
    return out.add(
        {
            "resourceType": "Observation",
            "id": rid,
            "meta": t.meta("Observation", *extra),
            "status": "final",
            "category": category,
            "code": code,
            "subject": subject,
            "effectiveDateTime": when,
            **value,
        }
    )


def observation_set(out: Collector, obs, subject: dict) -> list[dict]:
    """One recovery observation set: each vital sign, consciousness, pain, and the NEWS2 total
    derived from them (pathway.scores.news2, the RCP NEWS2 chart)."""
    when = instant(obs.taken_at)

    def rid(part: str) -> str:
        return resource_id("observation-set", obs.pk, part)

    made = [
        _observation(
            out,
            rid("resp"),
            code=t.concept(t.RESPIRATORY_RATE),
            category=VITAL,
            subject=subject,
            when=when,
            vital=True,
            valueQuantity=_quantity(obs.respiration_rate, "breaths/minute", "/min"),
        ),
        _observation(
            out,
            rid("spo2"),
            code=t.concept(t.OXYGEN_SATURATION, f"SpO2 (scale {obs.spo2_scale})"),
            category=VITAL,
            subject=subject,
            when=when,
            vital=True,
            valueQuantity=_quantity(obs.spo2, "%", "%"),
        ),
        _observation(
            out,
            rid("pulse"),
            code=t.concept(t.HEART_RATE),
            category=VITAL,
            subject=subject,
            when=when,
            vital=True,
            valueQuantity=_quantity(obs.pulse, "beats/minute", "/min"),
        ),
        _observation(
            out,
            rid("bp"),
            code=t.concept(t.BLOOD_PRESSURE),
            category=VITAL,
            subject=subject,
            when=when,
            vital=True,
            component=_bp_components(obs),
        ),
        _observation(
            out,
            rid("temp"),
            code=t.concept(t.BODY_TEMPERATURE),
            category=VITAL,
            subject=subject,
            when=when,
            vital=True,
            valueQuantity=_quantity(obs.temperature_c, "C", "Cel"),
        ),
        _observation(
            out,
            rid("acvpu"),
            code=t.concept(t.ACVPU),
            category=EXAM,
            subject=subject,
            when=when,
            valueCodeableConcept=t.text_concept(t.ACVPU_NAMES.get(obs.consciousness, obs.consciousness)),
        ),
    ]
    if obs.on_oxygen:
        flow = (
            {"valueQuantity": _quantity(obs.oxygen_l_min, "L/min", "L/min")}
            if obs.oxygen_l_min
            else {"valueString": "On supplemental oxygen (flow not recorded)"}
        )
        made.append(
            _observation(
                out, rid("o2"), code=t.concept(t.OXYGEN_FLOW), category=VITAL, subject=subject, when=when, **flow
            )
        )
    if obs.pain_nrs is not None:
        made.append(
            _observation(
                out,
                rid("pain"),
                code=t.concept(t.PAIN_NRS, "Pain in recovery"),
                category=SURVEY,
                subject=subject,
                when=when,
                valueInteger=obs.pain_nrs,
            )
        )
    news2 = _observation(
        out,
        rid("news2"),
        code=t.concept(t.NEWS2_TOTAL),
        category=SURVEY,
        subject=subject,
        when=when,
        valueInteger=obs.news2.total,
        derivedFrom=[out.ref("Observation", o["id"]) for o in made],
    )
    return [*made, news2]


def _bp_components(obs) -> list[dict]:
    components = [{"code": t.concept(t.SYSTOLIC), "valueQuantity": _quantity(obs.systolic_bp, "mmHg", "mm[Hg]")}]
    if obs.diastolic_bp:
        components.append(
            {"code": t.concept(t.DIASTOLIC), "valueQuantity": _quantity(obs.diastolic_bp, "mmHg", "mm[Hg]")}
        )
    else:
        components.append({"code": t.concept(t.DIASTOLIC), "dataAbsentReason": {"text": "Not recorded"}})
    return components


def _pain_pair(out: Collector, record, prefix: str, label: str, rest, activity, subject: dict, when: str) -> list:
    """Pain at rest and on activity, recorded separately (domain.md 8.2)."""
    made = []
    for part, what, value in (("pain-rest", "at rest", rest), ("pain-activity", "on activity", activity)):
        if value is not None:
            made.append(
                _observation(
                    out,
                    resource_id(prefix, record.pk, part),
                    code=t.concept(t.PAIN_NRS, f"Pain {what}{label}"),
                    category=SURVEY,
                    subject=subject,
                    when=when,
                    valueInteger=value,
                )
            )
    return made


def _disability(out: Collector, record, prefix: str, label: str, subject: dict, when: str) -> list:
    """The disability questionnaire of the record (pathway.outcomes.DisabilityScores): the ODI answers
    as a QuestionnaireResponse with its score as an Observation derived from it, or the RMDQ count."""
    if record.disability_instrument == DisabilityInstrument.RMDQ:
        if record.rmdq_score is None:
            return []
        return [
            _observation(
                out,
                resource_id(prefix, record.pk, "rmdq-score"),
                code=t.text_concept(f"{t.RMDQ_TEXT}{label}"),
                category=SURVEY,
                subject=subject,
                when=when,
                valueQuantity=_quantity(record.rmdq_score, "{score}", "{score}"),
            )
        ]
    answers = record.odi_answers
    if all(a is None for a in answers):
        return []
    response = out.add(
        {
            "resourceType": "QuestionnaireResponse",
            "id": resource_id(prefix, record.pk, "odi"),
            "meta": t.meta("QuestionnaireResponse"),
            "status": "completed",
            "subject": subject,
            "authored": when,
            "item": [
                {"linkId": f"odi-{n}", "text": ODI_SECTIONS[n - 1], "answer": [{"valueInteger": answer}]}
                for n, answer in enumerate(answers, 1)
                if answer is not None
            ],
        }
    )
    made = [response]
    odi = record.odi
    if odi is not None:
        made.append(
            _observation(
                out,
                resource_id(prefix, record.pk, "odi-score"),
                code=t.text_concept(f"{t.ODI_TEXT}{label}"),
                category=SURVEY,
                subject=subject,
                when=when,
                valueQuantity=_quantity(odi.percent, "%", "%"),
                derivedFrom=[out.ref("QuestionnaireResponse", response["id"])],
            )
        )
    return made


def baseline(out: Collector, suitability, subject: dict) -> list[dict]:
    """The outcome baseline at the suitability assessment (domain.md 8.2): the pain score of the
    assessment, pain at rest and on activity, and the disability questionnaire."""
    when = day(suitability.assessed_on)
    made = []
    if suitability.pain_score is not None:
        made.append(
            _observation(
                out,
                resource_id("suitability", suitability.pk, "pain"),
                code=t.concept(t.PAIN_NRS, "Pain at assessment (baseline)"),
                category=SURVEY,
                subject=subject,
                when=when,
                valueInteger=suitability.pain_score,
            )
        )
    label = " (baseline)"
    made += _pain_pair(
        out,
        suitability,
        "suitability",
        label,
        suitability.baseline_pain_rest,
        suitability.baseline_pain_activity,
        subject,
        when,
    )
    return made + _disability(out, suitability, "suitability", label, subject, when)


def follow_up(out: Collector, record, subject: dict) -> list[dict]:
    """The 4-week review (domain.md 8): pain at rest and on activity, and the disability questionnaire
    of the baseline (the ODI answers with its score, or the RMDQ count)."""
    if record.reviewed_on is None:
        return []
    when = day(record.reviewed_on)
    made = _pain_pair(out, record, "follow-up", "", record.pain_rest, record.pain_activity, subject, when)
    return made + _disability(out, record, "follow-up", "", subject, when)
