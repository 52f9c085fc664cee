"""Workers die: SIGKILLed again and again while they process webhook events and send receipts,
they still leave every event processed once and every receipt e-mailed once (issue 15, item 5).

Real Celery workers on Redis and the test database. Stripe (the sandbox) answers slowly, so a
kill lands in the middle of dj-stripe's re-fetch, of our services, or of an SMTP exchange.
"""

import os
import random
import time

import pytest
import stripe
from django.db.models import Count
from djstripe.models import Event as DjstripeEvent

from payments.inbox import inbox_store_trusted
from payments.models import InboxEvent, Payment, PaymentEvent
from receipts.models import Receipt, ReceiptEmail
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.celery_worker import wait_for
from tests.factories import CourseFactory, UserFactory
from tests.receipts.support import SmtpSink

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PURCHASES = 6
KILLS = int(os.environ.get("SOAK_KILLS", 100))
KILLING_FOR_SECONDS = 45.0


def paid_behind_the_apps_back(sandbox, api_client) -> list[str]:
    """Purchases paid with Stripe.js: their success exists only in Stripe's events."""
    stripe_api = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    intents = []
    for _ in range(PURCHASES):
        api_client.force_authenticate(UserFactory.create())
        started = api_client.post(
            "/api/v1/payments/", {"course": CourseFactory.create().slug}, format="json"
        ).json()
        stripe_api.v1.payment_intents.confirm(
            started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
        )
        intents.append(started["stripe_payment_intent_id"])
    events = stripe_api.v1.events.list(params={"limit": 100}).auto_paging_iter()
    for event in reversed(list(events)):
        inbox_store_trusted(event=event.to_dict())  # enqueued to Redis: a worker processes it
    return intents


def test_workers_killed_a_hundred_times_process_each_event_and_send_each_receipt_once(
    sandbox, api_client, celery_worker, smtp: SmtpSink
) -> None:
    env = {
        **smtp.worker_env,
        "STRIPE_API_BASE": sandbox.url,
        "RECEIPTS_ON_PAYMENT_SUCCESS": "true",
        "RECEIPT_RETRY_BASE_SECONDS": "0",
        # A whole worker killed leaves its messages unacknowledged: Redis hands them out again
        # after the visibility timeout, here seconds.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    slow = dict(method="GET", path="/v1/*", rate=1, latency_ms=150)
    sandbox.control("POST", "/_sandbox/faults", slow)
    paid_behind_the_apps_back(sandbox, api_client)
    random.seed(15)

    worker, kills, started = celery_worker(env=env), 0, time.monotonic()
    while kills < KILLS and time.monotonic() - started < KILLING_FOR_SECONDS:
        time.sleep(random.uniform(0.05, 0.6))
        if kills % 10 == 9:  # now and then the whole worker, main process included
            worker.kill()
            worker = celery_worker(env=env)
        elif worker.pool_pids():
            worker.kill_pool_process()  # the process running a task; the main one forks anew
        kills += 1

    sandbox.control("DELETE", "/_sandbox/faults")
    try:
        wait_for(
            lambda: not InboxEvent.objects.exclude(status="processed").exists()
            and ReceiptEmail.objects.filter(state="sent").count() == PURCHASES,
            timeout=180,
            interval=0.5,
        )
    except AssertionError:
        states = list(InboxEvent.objects.values_list("event_type", "status", "last_error"))
        emails = list(ReceiptEmail.objects.values_list("state", flat=True))
        log = worker.log()[-3000:]
        raise AssertionError(f"not done: {states}; e-mails {emails}\n{log}") from None
    time.sleep(2)  # a late duplicate would show up now

    assert kills >= 20, "the loop should kill workers many times"
    processed = InboxEvent.objects.values_list("event_id", flat=True)
    assert DjstripeEvent.objects.filter(id__in=processed).count() == len(processed)
    successes = PaymentEvent.objects.filter(to_status="succeeded").values("payment")
    assert {row["n"] for row in successes.annotate(n=Count("id"))} == {1}
    assert Payment.objects.filter(status="succeeded").count() == PURCHASES
    assert Receipt.objects.count() == PURCHASES
    message_ids = [message["Message-ID"] for message in smtp.accepted]
    assert len(message_ids) == len(set(message_ids)) == PURCHASES
