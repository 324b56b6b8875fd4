"""Pathways at each stage, built with the factories and the real services where a document is made
(the consent PDF at signing, the discharge sheet and GP letter at discharge), and the checks every
exported Bundle must pass."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from consent import services as consent_services
from consent.models import ConsentWithdrawal, DocumentEvent
from pathway import workflow
from pathway.models import ExitState, Stage, StageTransition
from pathway.recovery import services as recovery_services
from tests.factories import (
    AntithromboticMedicineFactory,
    ComplicationFactory,
    ConsentRecordFactory,
    FollowUpFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    ObservationSetFactory,
    PathwayFactory,
    PreAssessmentFactory,
    ProcedureFactory,
    RecoveryFactory,
    SuitabilityAssessmentFactory,
    TreatedLevelFactory,
)

LEVELS = ("T12", "L1")

# The stages, and two endings, a pathway is exported at.
STATES = [*[s.value for s in Stage], "closed_not_suitable", "consent_withdrawn", "completed"]


def build(state: str, *, nurse, consultant):
    """A pathway at `state`, with every record of the stages before it."""
    stage = Stage.FOLLOW_UP if state == "completed" else Stage(state) if state in Stage.values else None
    if state == "closed_not_suitable":
        pathway = build(Stage.SUITABILITY, nurse=nurse, consultant=consultant)
        pathway.suitability.outcome = "not_suitable"
        pathway.suitability.save(update_fields=["outcome"])
        workflow.close(
            pathway=pathway, exit_state=ExitState.NOT_SUITABLE, acting_user=consultant, reason="Not suitable."
        )
        return pathway
    if state == "consent_withdrawn":
        pathway = build(Stage.CONSENT, nurse=nurse, consultant=consultant)
        consent = pathway.consents.get()
        withdrawal = ConsentWithdrawal(
            withdrawn_by="patient",
            timing="before",
            reason="Wants to try physiotherapy first.",
            recorded_by_name="Colin Consultant",
        )
        consent_services.withdraw_consent(acting_user=consultant, consent=consent, withdrawal=withdrawal, then="close")
        pathway.refresh_from_db()
        return pathway
    pathway = PathwayFactory(planned_procedure_on=timezone.localdate(), responsible_consultant=consultant)
    workflow.open_pathway(pathway=pathway, acting_user=consultant)
    # Moves are written directly (the gates have their own tests in tests/pathway): the export reads
    # the transition log, not how it was made.
    order = list(Stage)
    reached = order.index(stage)

    def at(target: Stage) -> bool:
        return reached >= order.index(target)

    def move(to: Stage) -> None:
        StageTransition.objects.create(
            pathway=pathway, kind="advance", from_stage=pathway.current_stage, to_stage=to, acting_user=consultant
        )
        pathway.current_stage = to
        pathway.save(update_fields=["current_stage"])

    if at(Stage.SUITABILITY):
        move(Stage.SUITABILITY)
        SuitabilityAssessmentFactory(pathway=pathway, suspected_levels=list(LEVELS), pain_score=8)
    if at(Stage.MRI):
        move(Stage.MRI)
        scan = MriScanFactory(pathway=pathway)
        for level in LEVELS:
            MriLevelFindingFactory(scan=scan, level=level)
    if at(Stage.PRE_ASSESSMENT):
        move(Stage.PRE_ASSESSMENT)
        pre = PreAssessmentFactory(pathway=pathway, no_antithrombotics=False)
        AntithromboticMedicineFactory(pre_assessment=pre, drug="apixaban")
    if at(Stage.CONSENT):
        move(Stage.CONSENT)
        consent = ConsentRecordFactory(pathway=pathway, levels=list(LEVELS), signed=True, clinician=consultant)
        consent_services.render_document(
            consent=consent, event=DocumentEvent.SIGNED, event_at=consent.signed_at, acting_user=consultant
        )
    if at(Stage.PROCEDURE):
        move(Stage.PROCEDURE)
        procedure = ProcedureFactory(pathway=pathway, operator=consultant, post_ct_reviewed_by=consultant)
        for level in LEVELS:
            TreatedLevelFactory(procedure=procedure, level=level, cement_volume_ml=Decimal("4.0"))
    if at(Stage.RECOVERY):
        move(Stage.RECOVERY)
        ComplicationFactory(pathway=pathway, grade="3", outcome="lasting")
        recovery = RecoveryFactory(pathway=pathway)
        # On oxygen first, then off it: a falling NEWS2, so the discharge gate opens.
        ObservationSetFactory(
            recovery=recovery,
            taken_at=timezone.now() - datetime.timedelta(minutes=30),
            on_oxygen=True,
            oxygen_l_min=Decimal("2.0"),
            pain_nrs=None,
        )
        ObservationSetFactory(recovery=recovery)
    if at(Stage.FOLLOW_UP):
        recovery_services.discharge(acting_user=nurse, pathway=pathway)
        pathway.refresh_from_db()
    if state == "completed":
        follow_up = pathway.follow_up
        FollowUpFactory._meta.model.objects.filter(pk=follow_up.pk).update(
            **{
                k: v
                for k, v in FollowUpFactory.build(recorded=True).__dict__.items()
                if k.startswith(("odi_", "pain_"))
            },
            reviewed_on=timezone.localdate(),
        )
    pathway.refresh_from_db()
    return pathway


def references(node):
    """Every `reference` string anywhere in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def check_bundle(document: dict) -> Bundle:
    """Parsed and validated by fhir.resources (R4B models), and every reference resolves to an entry."""
    parsed = Bundle.model_validate(document)
    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert len(urls) == len(set(urls)), "an entry appears twice"
    dangling = sorted(set(references(document)) - set(urls))
    assert dangling == []
    return parsed


def of_type(document: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]
