"""`manage.py create_api_key NAME`: a new service API key (seed-002 service API, `X-API-Key`).

Only its hash is stored: the key is printed once, as the last line, for a script to capture
(`KEY=$(manage.py create_api_key billing | tail -1)`). Revoke it in the admin.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import ServiceAPIKey


class Command(BaseCommand):
    help = "Create a service API key and print it once (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who uses the key (shown in the admin and the logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        key_row, key = ServiceAPIKey.objects.create_key(name=options["name"][:50])
        self.stderr.write(
            f"Created API key {key_row.prefix}... for {key_row.name!r}; it is not shown again."
        )
        self.stdout.write(key)
