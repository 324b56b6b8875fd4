"""Reading pathways for export, in batches, with a fixed number of queries per batch whatever the
batch holds (docs/performance.md: query counts must not grow with rows).

`pathway_bundle` is the one-pathway Bundle of GET /pathways/<id>/fhir/; `resources_of` is what both it
and the bulk export (export_fhir) build from.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from consent.models import ConsentDocument, ConsentRecord
from interop import terminology as t
from interop.fhir import observations, resources
from interop.fhir.collector import Collector, bundle, resource_id
from interop.models import GpLetter
from pathway.models import (
    Complication,
    DischargeSheet,
    FollowUp,
    ObservationSet,
    Pathway,
    Procedure,
    Recovery,
    StageTransition,
    SuitabilityAssessment,
    TreatedLevel,
)

# Fields an observation set's resources read (pathway.scores.news2 included): loading only these
# keeps a 10,000-pathway export's model building down.
OBSERVATION_FIELDS = [
    "recovery_id",
    "taken_at",
    "respiration_rate",
    "spo2",
    "spo2_scale",
    "on_oxygen",
    "oxygen_l_min",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature_c",
    "pain_nrs",
]


def export_queryset() -> QuerySet[Pathway]:
    """Pathways with everything the export reads: one query per relation, per batch. Each relation is
    prefetched into a plain list (`to_attr`, named fhir_*), which the builders read without making a
    related manager per row."""
    return Pathway.objects.select_related(
        "patient",
        "responsible_consultant",
        "suitability",
        "procedure__operator",
        "recovery",
        "follow_up",
        "inbound_referral",
    ).prefetch_related(
        Prefetch(
            "transitions",
            queryset=StageTransition.objects.only("pathway_id", "kind", "to_stage", "exit_state", "at").order_by(
                "at", "id"
            ),
            to_attr="fhir_transitions",
        ),
        Prefetch("procedure__levels", queryset=TreatedLevel.objects.order_by("id"), to_attr="fhir_levels"),
        Prefetch(
            "complications",
            queryset=Complication.objects.select_related("risk").order_by("onset_at", "id"),
            to_attr="fhir_complications",
        ),
        "fhir_complications__risk__versions",
        Prefetch(
            "recovery__observations",
            queryset=ObservationSet.objects.only(*OBSERVATION_FIELDS).order_by("taken_at", "id"),
            to_attr="fhir_observations",
        ),
        Prefetch(
            "recovery__discharge_sheets",
            queryset=DischargeSheet.objects.select_related("rendered_by").order_by("rendered_at", "id"),
            to_attr="fhir_sheets",
        ),
        Prefetch(
            "consents",
            queryset=ConsentRecord.objects.select_related("withdrawal", "clinician").order_by("created_at", "id"),
            to_attr="fhir_consents",
        ),
        Prefetch(
            "fhir_consents__documents",
            queryset=ConsentDocument.objects.select_related("rendered_by").order_by("event_at", "id"),
            to_attr="fhir_documents",
        ),
        Prefetch(
            "gp_letters",
            queryset=GpLetter.objects.select_related("rendered_by").order_by("rendered_at", "id"),
            to_attr="fhir_gp_letters",
        ),
    )


def changed_since(since: datetime.datetime) -> QuerySet[Pathway]:
    """Pathways where anything exported was written at or after `since`: the pathway itself, a move,
    or a record of one of its stages (each an indexed or pathway-keyed EXISTS)."""
    pathway = OuterRef("pk")
    touched = [
        StageTransition.objects.filter(pathway=pathway, at__gte=since),
        SuitabilityAssessment.objects.filter(pathway=pathway, updated_at__gte=since),
        Procedure.objects.filter(pathway=pathway, updated_at__gte=since),
        TreatedLevel.objects.filter(procedure__pathway=pathway, updated_at__gte=since),
        Complication.objects.filter(pathway=pathway, updated_at__gte=since),
        Recovery.objects.filter(pathway=pathway, updated_at__gte=since),
        ObservationSet.objects.filter(recovery__pathway=pathway, updated_at__gte=since),
        FollowUp.objects.filter(pathway=pathway, updated_at__gte=since),
        ConsentRecord.objects.filter(pathway=pathway, updated_at__gte=since),
        ConsentDocument.objects.filter(consent__pathway=pathway, rendered_at__gte=since),
        GpLetter.objects.filter(pathway=pathway, rendered_at__gte=since),
    ]
    condition = Q(updated_at__gte=since) | Q(patient__updated_at__gte=since)
    for query in touched:
        condition |= Exists(query)
    return Pathway.objects.filter(condition)


def _one(pathway, name):
    """A one-to-one stage record fetched by select_related, or None."""
    try:
        return getattr(pathway, name)
    except ObjectDoesNotExist:
        return None


def resources_of(out: Collector, pathway: Pathway) -> None:
    """Add the pathway's resources to `out`, in reading order."""
    subject = out.ref("Patient", resources.patient(out, pathway.patient)["id"])
    referral = resources.service_request(out, pathway, subject)
    resources.episode_of_care(out, pathway, subject, referral)
    suitability = _one(pathway, "suitability")
    if suitability is not None:
        observations.baseline(out, suitability, subject)
    for record in pathway.fhir_consents:
        resources.consent(out, pathway, record, subject)
    procedure = _one(pathway, "procedure")
    procedure_ref = None
    if procedure is not None:
        procedure_ref = out.ref("Procedure", resources.procedure(out, procedure, subject, referral)["id"])
    for complication in pathway.fhir_complications:
        resources.adverse_event(out, complication, subject, procedure_ref)
    recovery = _one(pathway, "recovery")
    if recovery is not None:
        for obs in recovery.fhir_observations:
            observations.observation_set(out, obs, subject)
        for sheet in recovery.fhir_sheets:
            resources.document_reference(
                out,
                rid=resource_id("discharge-sheet", sheet.pk),
                sha256=sheet.sha256,
                code=t.DISCHARGE_INSTRUCTIONS,
                subject=subject,
                at=sheet.rendered_at,
                author=sheet.rendered_by,
                title="Discharge advice sheet (given to the patient)",
                url=f"/pathways/{pathway.pk}/recovery/discharge-sheet.pdf",
            )
    for letter in pathway.fhir_gp_letters:
        resources.document_reference(
            out,
            rid=resource_id("gp-letter", letter.pk),
            sha256=letter.sha256,
            code=t.DISCHARGE_SUMMARY,
            subject=subject,
            at=letter.rendered_at,
            author=letter.rendered_by,
            title="Letter to the GP at discharge",
            url=f"/pathways/{pathway.pk}/gp-letter.pdf",
        )
    follow_up = _one(pathway, "follow_up")
    if follow_up is not None:
        observations.follow_up(out, follow_up, subject)


def pathway_bundle(pathway_id: int, *, base_url: str = "") -> dict:
    pathway = export_queryset().get(pk=pathway_id)
    out = Collector(bundle=True, base_url=base_url)
    resources_of(out, pathway)
    return bundle(out.resources, bundle_id=resource_id("bundle", pathway.pk))


def batches(pathway_ids: list[int], size: int = 500) -> Iterator[list[Pathway]]:
    for start in range(0, len(pathway_ids), size):
        chunk = pathway_ids[start : start + size]
        yield list(export_queryset().filter(pk__in=chunk).order_by("pk"))
