"""Produce the stored PDF of every consent whose latest event has none (records imported or bulk
seeded without one). Reading a consent never renders it; this command is the deliberate write.

    python manage.py render_consent_documents [--limit N]
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from consent import services
from consent.models import ConsentRecord


class Command(BaseCommand):
    help = "Render and store the PDF of each signed consent's latest event where none is stored."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="stop after this many documents")

    def handle(self, *args, limit=None, **options):
        started = time.monotonic()
        made = 0
        candidates = (
            ConsentRecord.objects.filter(signed_at__isnull=False)
            .select_related("pathway__patient", "clinician")
            .order_by("id")
        )
        for consent in candidates.iterator(chunk_size=200):
            if limit is not None and made >= limit:
                break
            if services.render_missing_document(consent=consent) is not None:
                made += 1
        self.stdout.write(f"Rendered {made} consent document(s) in {time.monotonic() - started:.1f}s.")
