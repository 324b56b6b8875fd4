"""Demo consents in every state (imported, and so registered, by demo.seed).

Pathways past the consent stage have a signed consent confirmed on the procedure day; pathways closed
as "consent withdrawn" have a withdrawn one; pathways waiting at consent have none, a draft, a signed
one awaiting confirmation, or one flagged for re-consent (levels changed after signing); patients with
a capacity concern get a Form 4 (or a Form 1 with an assessment showing capacity). Everything is
bulk-created with history; PDFs are rendered lazily, the first time one is downloaded.
"""

from __future__ import annotations

import datetime
import io
from functools import partial

from django.db import connection
from django.utils import timezone

from consent.models import (
    CapacityAssessment,
    ConsentConfirmation,
    ConsentRecord,
    ConsentWithdrawal,
    ExplainedRisk,
    Leaflet,
    Risk,
    RiskVersion,
)
from demo.builder import DemoPathway, register_filler
from demo.rows import bulk_create_with_history, new, then
from pathway.models import ExitState, Stage

QUESTIONS = [
    "Asked how long she would need to lie flat afterwards; told 2 to 4 hours.",
    "Asked whether he could drive home; told no, for 24 hours after sedation.",
    "Worried about the cement leaking; explained how often it happens and what is done.",
    "Asked when pain relief usually starts; told often within a day or two, but not for everyone.",
    "",
]
CONCERNS = [
    "Cares for her husband at home; wants to be independent again quickly.",
    "Keen gardener; the main goal is to walk without a frame.",
    "Lives alone; worried about falls.",
    "",
]
WITHDRAWAL_REASONS = [
    "Decided to continue with painkillers after talking it over with family.",
    "Pain has eased considerably; does not want the procedure now.",
    "Anxious about the risks; would like more time to think.",
]


def _signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (480, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(20, 110), (70, 40), (110, 120), (170, 50), (220, 105), (300, 60), (460, 80)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _state(plan: DemoPathway) -> str | None:
    """none | draft | signed | confirmed | withdrawn | reconsent."""
    if not plan.reached_stage(Stage.CONSENT):
        return None
    if plan.exit_state == ExitState.CONSENT_WITHDRAWN:
        return "withdrawn"
    if plan.reached.index > Stage.CONSENT.index:
        return "confirmed"
    if plan.exit_state:  # closed while waiting at consent (declined, deceased...)
        return plan.rng.choice([None, "draft", "signed"])
    return plan.rng.choices([None, "draft", "signed", "reconsent", "withdrawn"], weights=[25, 25, 35, 8, 7])[0]


@register_filler(Stage.CONSENT)
def fill_consent(builder, plans: list[DemoPathway]) -> None:
    chosen = [(plan, state) for plan in plans if (state := _state(plan))]
    if not chosen:
        return
    users = builder.users
    consultants = builder.consultants
    operators = [users["consultant"], users["consultant2"], users["radiologist"]]
    leaflets = list(Leaflet.objects.current().order_by("id"))
    risks = [(risk, risk.current_version) for risk in Risk.objects.active().with_current_version()]
    if not leaflets or not risks:
        return
    signature = _signature_png()
    now = timezone.now()
    consents, meta = [], []
    for plan, state in chosen:
        rng = plan.rng
        pathway = plan.pathway
        consultant = pathway.responsible_consultant or rng.choice(consultants)
        pre = plan.pre_assessment
        concern, interpreter, language = (
            (pre.capacity_concern, pre.interpreter_required, pre.interpreter_language) if pre else (False, False, "")
        )
        planned = plan.treatable_levels() or ["T12"]
        levels = list(planned)
        if state == "reconsent":
            # Signed for other levels than now planned: the MRI review changed them afterwards.
            if len(planned) > 1:
                levels = planned[:-1]
            else:
                levels = [next(v for v in ("L2", "T10", "L3") if v not in planned)]
        form4 = concern and rng.random() < 0.6
        consent_day = min(plan.stage_dates.get(Stage.CONSENT, builder.today), builder.today)
        signed_at = _at(consent_day, rng.randint(9, 16), rng.choice([0, 15, 30, 45])) if state != "draft" else None
        if signed_at and signed_at > now:
            signed_at = now - datetime.timedelta(hours=1)
        leaflet = rng.choice(leaflets)
        # The operator is named before the day and confirms on the day (domain.md 5.6); the
        # procedure filler uses the same operator.
        plan.operator = rng.choice(operators)
        consents.append(
            new(
                ConsentRecord,
                pathway=pathway,
                form_type="form4" if form4 else "form1",
                levels=levels,
                efficacy_uncertainty_discussed=True,
                alternatives=["conservative", "kyphoplasty", "no_treatment"]
                if rng.random() < 0.8
                else ["conservative", "bracing", "no_treatment"],
                extra_procedures=["biopsy"] if pathway.aetiology in ("metastatic", "myeloma") else ["ct"],
                anaesthesia=["local", "sedation"],
                leaflet=leaflet,
                leaflet_given_on=consent_day - datetime.timedelta(days=rng.randint(0, 7)),
                patient_concerns=rng.choice(CONCERNS),
                patient_questions=rng.choice(QUESTIONS),
                contact_details="IR day unit, extension 4410",
                operator=plan.operator,
                interpreter_used=interpreter,
                interpreter_language=language,
                interpreter_name="Interpreter (telephone service)" if interpreter else "",
                interpreter_statement=interpreter,
                patient_copy="accepted" if rng.random() < 0.8 else "declined",
                signature_method=("witness" if form4 else "drawn") if signed_at else "",
                patient_signature=signature if signed_at and not form4 else None,
                witness_name="Daughter (next of kin)" if signed_at and form4 else "",
                witness_signature=signature if signed_at and form4 else None,
                patient_signed_at=signed_at,
                clinician=consultant if signed_at else None,
                clinician_name=consultant.display_name if signed_at else "",
                clinician_job_title=consultant.job_title if signed_at else "",
                clinician_registration=consultant.registration_number if signed_at else "",
                signed_at=signed_at,
                leaflet_title=leaflet.title if signed_at else "",
                leaflet_version=leaflet.version if signed_at else "",
                created_at=signed_at or _at(consent_day, 9),
                updated_at=signed_at or _at(consent_day, 9),
                recorded_by=consultant,
            )
        )
        meta.append((plan, state, concern, form4, consultant))
    consents = bulk_create_with_history(consents, ConsentRecord, default_user=users["consultant"])

    _copy_risks(consents, [m[1] for m in meta], risks, users["consultant"])
    capacities, confirmations, withdrawals = [], [], []
    for consent, (plan, state, concern, form4, consultant) in zip(consents, meta, strict=True):
        rng = plan.rng
        if concern or form4:
            capacities.append(_capacity(consent, consultant, lacks=form4))
        if state == "confirmed":
            day = plan.pathway.planned_procedure_on or plan.stage_dates.get(Stage.PROCEDURE) or builder.today
            confirmed_at = _at(min(day, builder.today), 7, 45)
            if confirmed_at > timezone.now() - datetime.timedelta(hours=6):
                confirmed_at = max(timezone.now() - datetime.timedelta(hours=6), _at(builder.today, 0, 5))
            confirmed_at = max(confirmed_at, consent.signed_at)
            operator = plan.operator
            confirmations.append(
                new(
                    ConsentConfirmation,
                    consent=consent,
                    confirmed_by=operator,
                    confirmed_by_name=operator.display_name,
                    confirmed_at=confirmed_at,
                    no_further_questions=True,
                    wishes_to_proceed=True,
                    risks_rediscussed=rng.random() < 0.3,
                    changes_noted="" if rng.random() < 0.85 else "Started a new painkiller since signing.",
                    # Capacity re-checked (domain.md 5.6): a Form 4 patient still lacks it.
                    has_capacity_today=not form4,
                    capacity_how="Could not retain the explanation; daughter (attorney) present."
                    if form4
                    else "Explained again; repeated the main risks back and weighed them.",
                    recorded_by=operator,
                )
            )
        if state == "withdrawn":
            withdrawn_at = min(consent.signed_at + datetime.timedelta(days=rng.randint(1, 10), hours=2), timezone.now())
            if plan.pathway.closed_at:
                withdrawn_at = min(withdrawn_at, plan.pathway.closed_at)
            withdrawn_at = max(withdrawn_at, consent.signed_at)
            withdrawals.append(
                new(
                    ConsentWithdrawal,
                    consent=consent,
                    withdrawn_at=withdrawn_at,
                    withdrawn_by="patient",
                    timing="before",
                    reason=rng.choice(WITHDRAWAL_REASONS),
                    actions_taken="Consequences explained; GP and referrer informed.",
                    signed_by_patient=rng.random() < 0.7,
                    recorded_by_name=consultant.display_name,
                    recorded_by=consultant,
                )
            )
    default = users["consultant"]
    bulk_create_with_history(capacities, CapacityAssessment, default_user=default)
    bulk_create_with_history(confirmations, ConsentConfirmation, default_user=default)
    bulk_create_with_history(withdrawals, ConsentWithdrawal, default_user=default)


def _copy_risks(consents: list[ConsentRecord], states: list[str], risks, user) -> None:
    """Every library risk onto every demo consent, with history, as set-based INSERT ... SELECT
    statements run by the writer after the consents (16 rows per consent made one by one dominated
    the seeding time).

    The rows are what `consent.services.start_consent` writes: the current version's wording and
    frequency, all discussed; a draft may still have one risk to go through, and the note on cement
    reaching the lungs is added when several levels are planned."""
    if not consents:
        return
    ids = [c.pk for c in consents]
    multi_level = {c.pk for c in consents if len(c.levels) > 1}
    drafts = {c.pk for c, state in zip(consents, states, strict=True) if state == "draft" and c.pk % 2}
    version_ids = [version.pk for _risk, version in risks]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        then(
            partial(
                _insert_risks,
                chunk,
                [pk for pk in chunk if pk in multi_level],
                [pk for pk in chunk if pk in drafts],
                version_ids,
                user.pk,
            )
        )


def _insert_risks(ids: list[int], multi_level: list[int], drafts: list[int], version_ids: list[int], user_id) -> None:
    qn = connection.ops.quote_name
    columns = [
        "version", "created_at", "updated_at", "recorded_by_id", "consent_id", "risk_id", "risk_version_id",
        "order", "name", "patient_wording", "frequency_numbers", "frequency_band", "source", "discussed",
        "not_discussed_reason", "patient_note",
    ]  # fmt: skip
    table, history = ExplainedRisk._meta.db_table, ExplainedRisk.history.model._meta.db_table
    consent_table = ConsentRecord._meta.db_table
    risk_table, version_table = Risk._meta.db_table, RiskVersion._meta.db_table

    def among(pks: list[int]) -> tuple[str, list[int]]:
        # "c.id IN (...)", or a condition that is never true for an empty list.
        return (f"c.{qn('id')} IN ({', '.join(['%s'] * len(pks))})", pks) if pks else ("1 = 0", [])

    multi_sql, multi_params = among(multi_level)
    draft_sql, draft_params = among(drafts)
    marks = ", ".join(["%s"] * len(ids))
    version_marks = ", ".join(["%s"] * len(version_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers from model metadata, quoted; every value is a parameter.
            f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"SELECT 1, c.{qn('created_at')}, c.{qn('updated_at')}, c.{qn('recorded_by_id')}, c.{qn('id')}, "
            f"v.{qn('risk_id')}, v.{qn('id')}, r.{qn('order')}, v.{qn('name')}, v.{qn('patient_wording')}, "
            f"v.{qn('frequency_numbers')}, v.{qn('frequency_band')}, v.{qn('source')}, "
            f"CASE WHEN r.{qn('code')} = %s AND {draft_sql} THEN %s ELSE %s END, '', "
            f"CASE WHEN r.{qn('code')} = %s AND {multi_sql} THEN %s ELSE '' END "
            f"FROM {qn(consent_table)} c CROSS JOIN {qn(version_table)} v "
            f"JOIN {qn(risk_table)} r ON r.{qn('id')} = v.{qn('risk_id')} "
            f"WHERE c.{qn('id')} IN ({marks}) AND v.{qn('id')} IN ({version_marks}) "
            f"ORDER BY c.{qn('id')}, v.{qn('id')}",
            [
                "rib_fracture",
                *draft_params,
                False,
                True,
                "pce_any",
                *multi_params,
                "More than one level: a little more likely.",
                *ids,
                *version_ids,
            ],  # fmt: skip
        )
        history_columns = [*columns, "id", "history_date", "history_change_reason", "history_type", "history_user_id"]
        cursor.execute(
            f"INSERT INTO {qn(history)} ({', '.join(qn(c) for c in history_columns)}) "  # noqa: S608
            f"SELECT {', '.join('e.' + qn(c) for c in columns)}, e.{qn('id')}, e.{qn('created_at')}, NULL, '+', %s "
            f"FROM {qn(table)} e WHERE e.{qn('consent_id')} IN ({marks}) ORDER BY e.{qn('id')}",
            [user_id, *ids],
        )


def _capacity(consent: ConsentRecord, consultant, *, lacks: bool) -> CapacityAssessment:
    ability = "unable" if lacks else "able"
    return new(
        CapacityAssessment,
        consent=consent,
        decision=f"Whether to have vertebroplasty at {', '.join(consent.levels)}",
        reason_to_doubt="Confusion noted at pre-assessment.",
        impairment=True,
        impairment_details="Dementia with fluctuating confusion." if lacks else "Mild cognitive impairment.",
        steps_to_support="Explained in a quiet room with the leaflet and diagrams; daughter present.",
        understand=ability,
        understand_evidence="Could not explain back what the procedure involves."
        if lacks
        else "Explained the procedure back in her own words.",
        retain=ability,
        retain_evidence="Did not recall the discussion ten minutes later." if lacks else "Recalled it after a break.",
        weigh=ability,
        weigh_evidence="Could not compare the options." if lacks else "Weighed pain relief against the risks.",
        communicate="able",
        communicate_evidence="Speaks clearly.",
        may_regain_capacity=False,
        can_wait=False,
        can_wait_reasoning="Pain is preventing mobilisation; waiting risks chest infection and pressure damage."
        if lacks
        else "",
        # A structured attorney record (domain.md 5.5): a registered health and welfare LPA who consents.
        attorney="lpa" if lacks else "",
        attorney_name="Daughter (health and welfare attorney)" if lacks else "",
        attorney_registration_checked=lacks,
        attorney_covers_health=True if lacks else None,
        attorney_consents=True if lacks else None,
        advance_decision="none" if lacks else "",
        best_interests="Valued independence and being at home; the family believe she would choose pain relief."
        if lacks
        else "",
        consulted="Daughter (attorney) and the ward nurse in charge." if lacks else "",
        recorded_by=consultant,
    )
