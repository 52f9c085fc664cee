"""Recompute the back office's running totals from the ledger (after a bulk load, or to check)."""

from typing import Any

from django.core.management.base import BaseCommand

from payments.rollups import payment_rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the payments' running totals (PaymentRollup) from the payments themselves."

    def handle(self, *args: Any, **options: Any) -> None:
        buckets = payment_rollups_rebuild()
        self.stdout.write(f"{buckets} buckets of totals rebuilt from the ledger.")
