from django.core.management.base import BaseCommand

from accounts.services import sync_roles


class Command(BaseCommand):
    help = "Make the role groups match accounts/roles.py (idempotent)."

    def handle(self, *args, **options):
        for name, count in sync_roles().items():
            self.stdout.write(f"{name}: {count} permissions")
