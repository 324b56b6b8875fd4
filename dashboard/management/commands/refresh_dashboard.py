"""Refresh the dashboard's snapshot (dashboard.snapshot). Cheap to run every minute (cron, a systemd
timer): with a shared cache it does nothing when no write happened since the last snapshot."""

import time

from django.core.management.base import BaseCommand

from dashboard import snapshot


class Command(BaseCommand):
    help = "Recompute the dashboard's figures if anything was written since the last snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recompute even if nothing changed.")

    def handle(self, *args, force: bool, **options):
        started = time.monotonic()
        stored = snapshot.refresh(force=force)
        if stored is None:
            self.stdout.write("Nothing written since the last snapshot; kept it.")
        else:
            self.stdout.write(
                f"Dashboard snapshot as of {stored.computed_at:%H:%M:%S} in {time.monotonic() - started:.1f} s."
            )
