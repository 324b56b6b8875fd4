"""Measure the pages people wait for, at scale: `python manage.py bench --pathways 100000`.

Seeds demo data up to N pathways (demo.builder via seed_demo) if the database holds fewer, then times
each page in-process through the full Django stack (middleware, permissions, templates) with
production-like settings (DEBUG off), and writes the median, the 95th percentile and the query count
of each page to docs/performance.md, in the section of the database it ran on.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from consent.models import ConsentRecord
from consent.services import render_missing_document
from dashboard.arithmetic import percentile
from pathway.models import Pathway, PathwayStatus, Stage, StageTransition

AIM_MS = 300  # p95 aim on PostgreSQL at 100,000 pathways (issue 6)
COLD = "cold: "  # label prefix: the cache is cleared before every request of this row


def _consent_pdf_url() -> str | None:
    """The stored PDF of a signed consent, if such a consent exists."""
    consent = ConsentRecord.objects.filter(signed_at__isnull=False).order_by("id").first()
    if consent is None:
        return None
    render_missing_document(consent=consent)  # bulk demo consents have none; reading never makes one
    try:
        return reverse("consent:pdf", kwargs={"pk": consent.pathway_id, "consent_id": consent.pk})
    except NoReverseMatch:
        return None


def pages() -> list[tuple[str, str, str]]:
    """(label, username, url) of every page measured."""
    sample = (
        Pathway.objects.filter(status=PathwayStatus.OPEN, current_stage=Stage.FOLLOW_UP).order_by("id").first()
        or Pathway.objects.order_by("id").first()
    )
    consultant = User.objects.get(username="consultant")
    result = [
        ("Worklist: radiologist", "radiologist", "/"),
        ("Worklist: consultant", "consultant", "/"),
        ("Worklist: nurse", "nurse", "/"),
        ("Worklist: manager (service summary)", "manager", "/"),
        (COLD + "Worklist: consultant, counts cache cleared before each request", "consultant", "/"),
        (COLD + "Worklist: nurse, counts cache cleared before each request", "nurse", "/"),
        ("Dashboard", "manager", reverse("dashboard:dashboard")),
        (
            COLD + "Dashboard, figures cache cleared before each request",
            "manager",
            reverse("dashboard:dashboard"),
        ),
        (
            "Dashboard, filtered by consultant",
            "manager",
            f"{reverse('dashboard:dashboard')}?consultant={consultant.pk}",
        ),
        ("Pathway list", "manager", reverse("pathway:list")),
        ("Pathway list, page 200", "manager", f"{reverse('pathway:list')}?page=200"),
        ("Pathway list, sorted by patient", "manager", f"{reverse('pathway:list')}?ordering=patient"),
        ("Pathway list, sorted by stage", "manager", f"{reverse('pathway:list')}?ordering=-stage"),
        (
            "Pathway list, overdue and awaiting a decision",
            "manager",
            f"{reverse('pathway:list')}?overdue=any&blocked=on",
        ),
        ("Pathway page", "consultant", reverse("pathway:detail", kwargs={"pk": sample.pk})),
        (
            COLD + "Pathway page, worklist-count cache cleared before each request",
            "consultant",
            reverse("pathway:detail", kwargs={"pk": sample.pk}),
        ),
    ]
    pdf = _consent_pdf_url()
    if pdf:
        result.append(("Consent PDF", "consultant", pdf))
    return result


def measure(client: Client, url: str, runs: int, *, cold: bool = False) -> tuple[list[float], int, int]:
    """Times in ms of `runs` requests after one warm-up, the query count, and the status code."""
    response = client.get(url, secure=True)
    _consume(response)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
        _consume(response)
    query_count = len(queries.captured_queries)  # read now: the next request clears the query log
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, secure=True)
        _consume(response)
        times.append((time.perf_counter() - started) * 1000)
    return times, query_count, response.status_code


def _consume(response) -> None:
    if getattr(response, "streaming", False):
        for _ in response.streaming_content:
            pass


def _db_label() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


class Command(BaseCommand):
    help = "Seed demo data up to N pathways and time every main page; writes docs/performance.md."

    def add_arguments(self, parser):
        parser.add_argument("--pathways", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--runs", type=int, default=20, help="Timed requests per page (after a warm-up).")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "performance.md"))
        parser.add_argument("--no-write", action="store_true", help="Print the table only.")
        parser.add_argument("--force", action="store_true", help="Seed even with DEBUG off (never on a live system).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("bench seeds demo data; run it with DJANGO_DEBUG=1 or --force, never on a live system.")
        existing = Pathway.objects.count()
        if existing < options["pathways"]:
            self.stdout.write(f"Seeding {options['pathways'] - existing} pathways (this takes minutes)...")
            started = time.monotonic()
            call_command(
                "seed_demo",
                pathways=options["pathways"] - existing,
                seed=options["seed"],
                force=True,
                stdout=self.stdout,
            )
            self.stdout.write(f"Seeded in {time.monotonic() - started:.0f}s.")
        if connection.vendor == "postgresql":
            # The steady state autovacuum keeps a live database in: statistics, and visibility maps
            # (index-only scans) for the rows just inserted.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        rows = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        # Production-like: DEBUG off (no query log kept), but no HTTPS redirect or manifest needed in-process.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, STORAGES={**settings.STORAGES, "staticfiles": static}):
            clients: dict[str, Client] = {}
            for label, username, url in pages():
                client = clients.get(username)
                if client is None:
                    client = clients[username] = Client()
                    client.force_login(User.objects.get(username=username))
                cold = label.startswith(COLD)
                label = label.removeprefix(COLD)
                times, queries, status = measure(client, url, options["runs"], cold=cold)
                ordered = sorted(times)
                rows.append((label, url, statistics.median(ordered), percentile(ordered, 0.95), queries, status))
                self.stdout.write(
                    f"{label:50} {statistics.median(ordered):8.1f} ms {percentile(ordered, 0.95):8.1f} ms "
                    f"{queries:3d} queries  HTTP {status}"
                )
        section = self._section(rows, options)
        if options["no_write"]:
            self.stdout.write(section)
            return
        self._write(Path(options["output"]), section)
        self.stdout.write(self.style.SUCCESS(f"Wrote {options['output']}"))

    def _section(self, rows, options) -> str:
        vendor = connection.vendor
        counts = {
            "pathways": Pathway.objects.count(),
            "open": Pathway.objects.filter(status=PathwayStatus.OPEN).count(),
            "transitions": StageTransition.objects.count(),
        }
        lines = [
            f"<!-- bench:{vendor} -->",
            f"### {_db_label()}",
            "",
            f"Measured {timezone.localtime():%Y-%m-%d %H:%M} on {os.cpu_count()} CPU cores "
            f"({platform.python_implementation()} {platform.python_version()}), "
            f"{counts['pathways']:,} pathways ({counts['open']:,} open), {counts['transitions']:,} stage "
            f"transitions; {options['runs']} timed requests per page after one warm-up.",
            "",
            "| Page | Median (ms) | 95th centile (ms) | Queries | HTTP |"
            + (" Aim met |" if vendor == "postgresql" else ""),
            "| --- | ---: | ---: | ---: | ---: |" + (" --- |" if vendor == "postgresql" else ""),
        ]
        for label, url, median, p95, queries, status in rows:
            line = f"| {label} (`{url}`) | {median:.0f} | {p95:.0f} | {queries} | {status} |"
            if vendor == "postgresql":
                line += " yes |" if p95 < AIM_MS else " **no** |"
            lines.append(line)
        lines += ["", f"<!-- /bench:{vendor} -->"]
        return "\n".join(lines)

    def _write(self, path: Path, section: str) -> None:
        vendor = connection.vendor
        text = path.read_text() if path.exists() else ""
        pattern = re.compile(rf"<!-- bench:{vendor} -->.*?<!-- /bench:{vendor} -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _: section, text)
        elif "<!-- bench:results -->" in text:
            text = text.replace("<!-- bench:results -->", f"<!-- bench:results -->\n\n{section}", 1)
        else:
            text = text.rstrip() + f"\n\n{section}\n"
        path.write_text(text)
