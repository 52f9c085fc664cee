"""Compare the ledger with Stripe now: `manage.py stripe_reconcile [--since 2026-11-01T00:00Z]`."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from payments.gateway import get_gateway
from payments.services.reconciliation import stripe_reconcile


class Command(BaseCommand):
    help = "Bring the ledger up to date with Stripe; report what needs a person."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--since",
            help="ISO date-time (default: RECONCILE_WINDOW_HOURS ago)",
        )
        parser.add_argument("--max-calls", type=int, default=settings.RECONCILE_MAX_CALLS)

    def handle(self, *args: Any, since: str | None, max_calls: int, **options: Any) -> None:
        start = timezone.now() - timedelta(hours=settings.RECONCILE_WINDOW_HOURS)
        if since:
            parsed = parse_datetime(since)
            if parsed is None:
                raise CommandError(f"--since takes an ISO date-time, not {since[:40]!r}")
            start = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        report = stripe_reconcile(since=start, gateway=get_gateway(), max_calls=max_calls)
        for issue in report.issues:
            self.stdout.write(f"  needs review: {issue}")
        self.stdout.write(str(report))
        if not report.complete:
            raise CommandError("Reconciliation did not finish; run it again.")
