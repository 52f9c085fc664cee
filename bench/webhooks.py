"""How fast Stripe's webhooks are acknowledged: our durable inbox against dj-stripe's stock view.

Starts the Stripe sandbox and gunicorn (PostgreSQL from DATABASE_URL, migrated beforehand; Redis
from REDIS_URL as the Celery broker, no worker: acknowledging is what is measured), creates N
PaymentIntents in the sandbox, then in one run sends the same events (fresh event ids, signed
as Stripe signs) to

  inbox:  /stripe/webhook/<uuid>/           verify, store once, enqueue, answer
  stock:  /djstripe/webhook/<uuid>/         dj-stripe's view: store, verify, re-fetch the object
                                            from Stripe, sync it, run our receivers, answer

and prints p50/p99 latency and events/s of each, and their ratios. Afterwards it drains the
inbox's backlog with one Celery worker and prints how long processing took.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/coursepay_bench
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/webhooks.py --events 2000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from subprocess import DEVNULL

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.purchase import KEY, free_port, gunicorn, process, timed  # noqa: E402


def summary(name: str, latencies: list[float], elapsed: float) -> tuple[float, float, float]:
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    rate = len(latencies) / elapsed
    print(f"{name:6} n={len(latencies):5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms  {rate:7.1f} ev/s")
    return p50, p99, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events sent to each endpoint")
    parser.add_argument("--intents", type=int, default=50, help="objects the events are about")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a migrated PostgreSQL database.")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL: the inbox enqueues its processing on Redis.")

    sandbox_url = f"http://127.0.0.1:{free_port()}"
    app_port = free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "dev",
        "DJANGO_SETTINGS_MODULE": "bench.webhooks_settings",
        "DJANGO_DEBUG": "false",
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_SECRET_KEY": KEY,
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    import django

    django.setup()
    import stripe
    from djstripe.models import Account, Event, WebhookEndpoint, WebhookEventTrigger

    from payments.gateway import WebhookEndpointCreated
    from payments.models import InboxEvent
    from payments.webhooks import webhook_endpoint_store

    sandbox_port = sandbox_url.rsplit(":", 1)[1]
    sandbox = [sys.executable, "-m", "stripe_sandbox", "--port", sandbox_port]
    with process(sandbox, env, f"{sandbox_url}/_sandbox/health"):
        # A fresh sandbox each run: forget what dj-stripe mirrored from the previous one.
        InboxEvent.objects.all().delete()
        WebhookEventTrigger.objects.all().delete()
        Event.objects.all().delete()
        WebhookEndpoint.objects.all().delete()
        Account.objects.all().delete()
        client = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url})
        intents = [
            client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"}).to_dict()
            for _ in range(options.intents)
        ]
        secret, endpoint_uuid = "whsec_bench" + uuid.uuid4().hex, uuid.uuid4()
        webhook_endpoint_store(
            created=WebhookEndpointCreated(id="we_bench", secret=secret, url="http://bench"),
            djstripe_uuid=endpoint_uuid,
        )

        def signed_events() -> list[tuple[bytes, str]]:
            deliveries = []
            for n in range(options.events):
                event = {
                    "id": f"evt_bench{uuid.uuid4().hex[:20]}",
                    "object": "event",
                    "api_version": "2026-08-26.dahlia",
                    "created": int(time.time()),
                    "livemode": False,
                    "pending_webhooks": 1,
                    "request": {"id": None, "idempotency_key": None},
                    "type": "payment_intent.created",
                    "data": {"object": intents[n % len(intents)]},
                }
                payload = json.dumps(event)
                timestamp = int(time.time())
                digest = stripe.WebhookSignature._compute_signature(
                    f"{timestamp}.{payload}", secret
                )
                deliveries.append((payload.encode(), f"t={timestamp},v1={digest}"))
            return deliveries

        app = f"http://127.0.0.1:{app_port}"
        web = gunicorn(app_port, workers=options.workers, worker_class="sync")
        with process(web, env, f"{app}/healthz"):
            sessions: dict[int, requests.Session] = {}

            def send(path: str, payload: bytes, signature: str) -> Callable[[], None]:
                def call() -> None:
                    session = sessions.setdefault(threading.get_ident(), requests.Session())
                    response = session.post(
                        f"{app}{path}",
                        data=payload,
                        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
                        timeout=30,
                    )
                    assert response.status_code == 200, response.text[:200]

                return call

            inbox_path = f"/stripe/webhook/{endpoint_uuid}/"
            stock_path = f"/djstripe/webhook/{endpoint_uuid}/"
            warm = signed_events()[:50]
            timed([send(stock_path, *d) for d in warm], options.concurrency)
            timed([send(inbox_path, *d) for d in warm], options.concurrency)
            stock = summary(
                "stock",
                *timed([send(stock_path, *d) for d in signed_events()], options.concurrency),
            )
            ours = summary(
                "inbox",
                *timed([send(inbox_path, *d) for d in signed_events()], options.concurrency),
            )
            print(
                f"inbox/stock: {ours[2] / stock[2]:.1f}x the events/s, "
                f"p99 {ours[1]:.1f} ms vs {stock[1]:.1f} ms"
            )

        # What the inbox acknowledged still has to be processed: one worker drains it.
        backlog = InboxEvent.objects.filter(status="pending").count()
        worker = [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "-c",
            "1",
            "-l",
            "ERROR",
        ]
        started = time.perf_counter()
        child = subprocess.Popen(worker, cwd=ROOT, env=env, stdout=DEVNULL, stderr=DEVNULL)
        try:
            while InboxEvent.objects.filter(status="pending").exists():
                time.sleep(0.5)
        finally:
            child.terminate()
            child.wait(timeout=30)
        drained = time.perf_counter() - started
        failed = InboxEvent.objects.filter(status="failed").count()
        print(
            f"drain: {backlog} events processed by one worker in {drained:.1f} s ({failed} failed)"
        )


if __name__ == "__main__":
    main()
