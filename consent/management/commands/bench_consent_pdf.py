"""Median time to render one consent PDF (the record, its hash, and the appended verification update).

    python manage.py bench_consent_pdf [--runs 20]

Builds a signed Form 4 consent (16 explained risks, capacity assessment, drawn signature,
confirmation) inside a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import datetime
import io
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from consent.document import render_consent_pdf
from consent.library_seed import seed_library
from consent.models import (
    CapacityAssessment,
    ConsentConfirmation,
    ConsentRecord,
    ExplainedRisk,
    Leaflet,
    Risk,
    RiskVersion,
)
from pathway.models import Pathway, Patient


class _Rollback(Exception):
    pass


def _signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 180), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 140), (160, 40), (300, 150), (580, 60)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Command(BaseCommand):
    help = "Report the median time to render one consent PDF."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, runs: int, **options):
        try:
            with transaction.atomic():
                times = self._bench(runs)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(
            f"consent PDF render: median {statistics.median(times) * 1000:.0f} ms over {runs} runs "
            f"(min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms); "
            f"CPU time median {statistics.median(self.cpu) * 1000:.0f} ms"
        )

    def _bench(self, runs: int) -> list[float]:
        seed_library(Risk, RiskVersion, Leaflet)
        user = User.objects.create(username="bench-consultant", first_name="Bench", last_name="Consultant")
        patient = Patient.objects.create(
            nhs_number="9990000018",
            hospital_number="BENCH0001",
            family_name="Benchmark",
            given_name="Patricia",
            date_of_birth=datetime.date(1940, 5, 1),
            sex="female",
        )
        pathway = Pathway.objects.create(
            patient=patient,
            referral_received_on=timezone.localdate(),
            referrer_type="gp",
            referrer_organisation="Riverside Surgery",
            aetiology="osteoporotic",
            current_stage="consent",
        )
        now = timezone.now()
        leaflet = Leaflet.objects.order_by("id").first()
        consent = ConsentRecord.objects.create(
            pathway=pathway,
            form_type="form4",
            levels=["T12", "L1"],
            efficacy_uncertainty_discussed=True,
            alternatives=["conservative", "bracing", "kyphoplasty", "no_treatment"],
            extra_procedures=["biopsy", "ct"],
            anaesthesia=["local", "sedation"],
            leaflet=leaflet,
            leaflet_given_on=timezone.localdate(),
            leaflet_title=leaflet.title,
            leaflet_version=leaflet.version,
            patient_questions="Asked about bed rest and driving.",
            signature_method="drawn",
            patient_signature=_signature_png(),
            patient_signed_at=now,
            clinician=user,
            clinician_name="Bench Consultant",
            signed_at=now,
        )
        for order, risk in enumerate(Risk.objects.active().with_current_version()):
            v = risk.current_version
            ExplainedRisk.objects.create(
                consent=consent,
                risk=risk,
                risk_version=v,
                order=order,
                name=v.name,
                patient_wording=v.patient_wording,
                frequency_numbers=v.frequency_numbers,
                frequency_band=v.frequency_band,
                source=v.source,
                discussed=True,
                patient_note="Two levels: slightly higher risk." if risk.code == "pce_any" else "",
            )
        CapacityAssessment.objects.create(
            consent=consent,
            decision="Whether to have vertebroplasty at T12 and L1",
            reason_to_doubt="Dementia.",
            impairment=True,
            impairment_details="Alzheimer's disease.",
            understand="unable",
            understand_evidence="Could not describe the procedure.",
            retain="unable",
            retain_evidence="Could not recall it.",
            weigh="unable",
            weigh_evidence="Could not compare options.",
            communicate="able",
            communicate_evidence="Speaks clearly.",
            attorney="none",
            advance_decision="none",
            best_interests="Pain relief to allow mobilising.",
            consulted="Daughter.",
        )
        ConsentConfirmation.objects.create(consent=consent, confirmed_by=user, confirmed_by_name="Bench Consultant")
        consent = ConsentRecord.objects.get(pk=consent.pk)
        render_consent_pdf(consent=consent, event="confirmed", event_at=timezone.now())  # warm fonts and caches
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            render_consent_pdf(consent=consent, event="confirmed", event_at=timezone.now())
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        self.cpu = cpu
        return times
