from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.receipts.support import SmtpSink


@pytest.fixture
def smtp_settings(smtp: SmtpSink, settings) -> SmtpSink:
    """Django sends e-mail to the test's SMTP server."""
    for name, value in smtp.settings.items():
        setattr(settings, name, value)
    return smtp


@pytest.fixture(autouse=True)
def _receipt_settings(settings) -> None:
    settings.RECEIPTS_ON_PAYMENT_SUCCESS = True
    settings.RECEIPT_RETRY_BASE_SECONDS = 0
    settings.RECEIPT_MAX_RETRIES = 2
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture(autouse=True)
def _empty_receipt_storage() -> Iterator[None]:
    yield
    import shutil

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def webhooks_to_live_server(sandbox, live_server):
    """The sandbox delivers every event to this test's server, as Stripe would."""
    from django.core.management import call_command

    call_command("stripe_webhook_register", base_url=live_server.url, verbosity=0)
    return live_server
