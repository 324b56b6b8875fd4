"""python manage.py create_api_token <system name>: a token for a referring system, printed once."""

from django.core.management.base import BaseCommand, CommandError

from interop import tokens
from pathway.core.models import ReferrerType


class Command(BaseCommand):
    help = "Issue an API token for a referring system (POST /fhir/Bundle). The token is printed once, never stored."

    def add_arguments(self, parser):
        parser.add_argument("system_name", help="The referring system, e.g. 'Riverside GP system'.")
        parser.add_argument(
            "--referrer-type",
            choices=ReferrerType.values,
            default=ReferrerType.GP,
            help="Who refers through this system (recorded on each referral). Default: gp.",
        )

    def handle(self, *args, system_name, referrer_type, **options):
        try:
            row, token = tokens.issue(system_name, referrer_type=referrer_type)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Token {row.prefix}... issued for {row.system_name} (acting user {row.user.username}). "
            "It is shown once: store it in the referring system now. Revoke it in the admin."
        )
        self.stdout.write(token)
