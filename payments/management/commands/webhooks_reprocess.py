"""Give failed webhook events a new round of attempts (what the admin's action does)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.inbox import inbox_reprocess, inbox_sweep
from payments.models import InboxEvent


class Command(BaseCommand):
    help = "Reprocess failed Stripe webhook events (--failed, or --event evt_...)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--failed", action="store_true", help="every failed event")
        parser.add_argument("--event", action="append", default=[], help="one event id")
        parser.add_argument(
            "--due", action="store_true", help="also enqueue pending events nobody picked up"
        )

    def handle(self, *args: Any, failed: bool, event: list[str], due: bool, **options: Any) -> None:
        if not (failed or event or due):
            raise CommandError("Name what to reprocess: --failed, --event evt_..., or --due.")
        chosen = InboxEvent.objects.filter(status=InboxEvent.Status.FAILED)
        if event:
            chosen = chosen.filter(event_id__in=event)
        queued = inbox_reprocess(events=chosen) if (failed or event) else 0
        lanes = inbox_sweep() if due else 0
        self.stdout.write(f"{queued} failed event(s) queued again; {lanes} object(s) swept.")
