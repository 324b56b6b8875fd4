import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_USERS, DemoBuilder
from pathway.core.models import Pathway


class Command(BaseCommand):
    help = "Create the demo users and N deterministic synthetic patients and pathways (demo data only)."

    def add_arguments(self, parser):
        parser.add_argument("--pathways", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Anchor date (YYYY-MM-DD) for the synthetic dates; default today.",
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when pathways already exist.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates demo users with a known password; it refuses to run with "
                "DEBUG off. Use --force if you really mean it (never on a live system)."
            )
        if options["pathways"] < 0:
            raise CommandError("--pathways must be 0 or more.")
        if options["if_empty"] and Pathway.objects.exists():
            self.stdout.write("Demo data already present; not seeding again.")
            return
        started = time.monotonic()
        builder = DemoBuilder(pathways=options["pathways"], seed=options["seed"], today=options["today"])
        made = builder.build()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded {made} pathways in {elapsed:.1f}s."))
        logins = ", ".join(u[0] for u in DEMO_USERS)
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}): {logins}, admin")
