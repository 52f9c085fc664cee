"""System checks for receipt settings that would otherwise fail quietly in production."""

from typing import Any

from django.conf import settings
from django.core import checks


def retry_delays_below_visibility_timeout(**kwargs: Any) -> list[checks.CheckMessage]:
    """Redis redelivers a message not acknowledged within the visibility timeout; a retry
    scheduled later than that would run twice (once on time, once redelivered)."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if timeout <= settings.RECEIPT_RETRY_MAX_SECONDS:
        return [
            checks.Error(
                f"RECEIPT_RETRY_MAX_SECONDS ({settings.RECEIPT_RETRY_MAX_SECONDS}) must be below "
                f"the broker's visibility timeout ({timeout} s).",
                hint="Lower RECEIPT_RETRY_MAX_SECONDS or raise CELERY_VISIBILITY_TIMEOUT.",
                id="receipts.E001",
            )
        ]
    return []


def register() -> None:
    checks.register(retry_delays_below_visibility_timeout, checks.Tags.compatibility)
