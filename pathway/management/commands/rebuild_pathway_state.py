"""Recompute every pathway's stored state (pathway.core.state) from its records.

The services keep the state current in each write's transaction; this rebuilds it after a bulk load
(seed_demo does it itself), a restore, or to check it: `--check` changes nothing and exits 1 if any
stored row differs from the rebuilt one.
"""

from django.core.management.base import BaseCommand, CommandError

from pathway.core import state
from pathway.core.models import Pathway


class Command(BaseCommand):
    help = "Recompute the stored worklist state of every pathway (or check it with --check)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare only; exit 1 on any difference.")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, check: bool, batch: int, **options):
        if check:
            ids = list(Pathway.objects.order_by("pk").values_list("pk", flat=True))
            differ = []
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                rebuilt, kept = state.compute(chunk), state.stored(chunk)
                differ += [pk for pk in chunk if rebuilt.get(pk) != kept.get(pk)]
            if differ:
                raise CommandError(f"{len(differ)} of {len(ids)} pathways differ (first: {differ[:10]}).")
            self.stdout.write(f"The stored state of all {len(ids)} pathways matches their records.")
            return
        count = state.rebuild(batch=batch)
        self.stdout.write(f"Rebuilt the state of {count} pathways.")
