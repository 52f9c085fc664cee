"""A fault soak: many purchases while Stripe and the network misbehave, then the books are checked.

Starts the Stripe sandbox, gunicorn and a Celery worker (PostgreSQL from DATABASE_URL, migrated;
Redis from REDIS_URL: tasks are not eager), registers the webhook endpoint, then makes N purchases
from 8 concurrent learners, mixed: confirmed at once, confirmed by "Stripe.js" (the SDK, straight
to the sandbox), 3-D Secure approved, declined then paid, and Stripe Checkout. Meanwhile the
sandbox answers 15% of API calls with a 5xx or 429, holds 5% until they time out, and loses 10% of
its answers after doing the work; webhook deliveries are duplicated, delayed, reordered and 10%
dropped for good. Clients retry as a careful client does (same Idempotency-Key). Then Stripe
recovers, reconciliation runs, the worker drains, and the script prints:

    duplicate charges                         payments charged more than once at Stripe
    payments whose status differs from Stripe's
    charged learners without enrollment
    succeeded payments without receipt        (no receipt, or its e-mail not sent)

The target is 0 on every line. `--check` exits 1 if one is not (CI runs `--purchases 100`).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/coursepay_soak
    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/soak.py --purchases 300 --check
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from subprocess import DEVNULL

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.purchase import KEY, free_port, wait_until_up  # noqa: E402

KINDS = ("immediate", "stripe_js", "three_d_secure", "decline_then_pay", "checkout")
RETRYABLE = {409, 429, 500, 502, 503}


@contextmanager
def started(args: list[str], env: dict[str, str], health: str | None = None) -> Iterator[None]:
    log = tempfile.NamedTemporaryFile(prefix="soak-", suffix=".log", delete=False)  # noqa: SIM115
    child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if health:
            wait_until_up(health, timeout=60)
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


class Learner:
    """One learner's HTTP client: retries what may be retried, with the same key."""

    def __init__(self, app: str, token: str) -> None:
        self.app = app
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def post(self, path: str, body: Mapping[str, object], key: str) -> requests.Response:
        for attempt in range(12):
            try:
                response = self.session.post(
                    f"{self.app}{path}", json=body, headers={"Idempotency-Key": key}, timeout=10
                )
            except requests.RequestException:
                response = None
            if response is not None and response.status_code not in RETRYABLE:
                return response
            time.sleep(min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1))
        assert response is not None, f"{path}: no answer after retries"
        return response


def stripe_retrying(call: Callable[[], object]) -> object:
    """What Stripe.js (or a person clicking again) does when Stripe fails for a moment."""
    import stripe

    for attempt in range(10):
        try:
            return call()
        except stripe.CardError:
            raise
        except stripe.StripeError:
            time.sleep(min(2.0, 0.1 * 2**attempt))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--check", action="store_true", help="exit 1 unless every line is 0")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a migrated PostgreSQL database.")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL: webhooks and receipts are processed by a worker.")
    random.seed(options.seed)

    sandbox_url = f"http://127.0.0.1:{free_port()}"
    app = f"http://127.0.0.1:{free_port()}"
    mail_dir = tempfile.mkdtemp(prefix="soak-mail-")
    env = {
        **os.environ,
        "DJANGO_ENV": "dev",
        "DJANGO_DEBUG": "false",
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_SECRET_KEY": KEY,
        "SITE_URL": app,
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": mail_dir,
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_PAYMENTS_USER_RATE": "1000000/min",
        "THROTTLE_PAYMENTS_IP_RATE": "1000000/min",
        "PAYMENT_REFRESH_AFTER_SECONDS": "2",
        # Webhook retries after Stripe's outage, in seconds rather than minutes.
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
        "WEBHOOK_RETRY_MAX_SECONDS": "5",
    }
    os.environ.update(env)
    import django

    from config.environment import use_settings_module

    use_settings_module()
    django.setup()

    with ExitStack() as stack:
        port = sandbox_url.rsplit(":", 1)[1]
        stack.enter_context(
            started(
                [sys.executable, "-m", "stripe_sandbox", "--port", port,
                 "--webhook-retry-schedule", "1,2,4,8"],
                env,
                f"{sandbox_url}/_sandbox/health",
            )
        )  # fmt: skip
        learners = prepare(options.purchases, app)
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", app[7:],
                    "--workers", "3", "--threads", "4", "--timeout", "60"]  # fmt: skip
        stack.enter_context(started(gunicorn, env, f"{app}/healthz"))
        worker = [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-c", "2",
                  "-l", "WARNING"]  # fmt: skip
        stack.enter_context(started(worker, env))
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "stripe_webhook_register",
                "--skip-checks",
                "--base-url",
                app,
                "--force",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=DEVNULL,
        )
        control = requests.Session()
        chaos(control, sandbox_url, options.seed)

        started_at = time.monotonic()
        kinds = Counter(KINDS[n % len(KINDS)] for n in range(options.purchases))
        with ThreadPoolExecutor(options.concurrency) as pool:
            outcomes = list(
                pool.map(
                    lambda job: buy(app, sandbox_url, *job),
                    [(KINDS[n % len(KINDS)], *learners[n]) for n in range(options.purchases)],
                )
            )
        print(
            f"{options.purchases} purchases in {time.monotonic() - started_at:.0f} s: {dict(kinds)}"
        )
        print(f"client outcomes: {dict(Counter(outcomes))}")

        fired = control.get(f"{sandbox_url}/_sandbox/faults").json()
        print(f"faults injected: {sum(f.get('fired', 0) for f in fired['data'])}")
        control.delete(f"{sandbox_url}/_sandbox/faults")  # Stripe recovers
        settle(sandbox_url)
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "stripe_reconcile",
                "--skip-checks",
                "--since",
                "2000-01-01T00:00Z",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        settle(sandbox_url)
        failures = report(sandbox_url)
    if options.check and any(failures.values()):
        raise SystemExit(1)


RUN = uuid.uuid4().hex[:8]
"""This run's learners' e-mails end with it: the report counts nothing of an earlier run."""


def prepare(count: int, app: str) -> list[tuple[str, str]]:
    """`count` learners (token) each with a course of their own (slug), in the catalog."""
    import redis
    from djstripe.models import Account
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from courses.models import Course
    from payments.models import InboxEvent

    # dj-stripe remembers the Stripe account it first met, and a past run's webhook events
    # name objects of its own sandbox: this run's sandbox is a new one.
    Account.objects.all().delete()
    InboxEvent.objects.all().delete()
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    run = RUN
    learners = []
    for n in range(count):
        user = User.objects.create_user(email=f"soak{n}@{run}.soak.local", password=None)
        course = Course.objects.create(
            slug=f"soak-{run}-{n}", title=f"Soak {n}", price_amount=1000 + n, currency="usd"
        )
        learners.append((Token.objects.create(user=user).key, course.slug))
    return learners


def chaos(control: requests.Session, sandbox_url: str, seed: int) -> None:
    faults = [
        {"path": "/v1/*", "rate": 0.15, "status": [500, 503, 429]},
        {"path": "/v1/*", "rate": 0.05, "timeout_ms": 2500},
        {"path": "/v1/*", "rate": 0.10, "drop_response": True},
    ]
    for fault in faults:
        answer = control.post(f"{sandbox_url}/_sandbox/faults", json={**fault, "seed": seed})
        answer.raise_for_status()
    webhooks = {"duplicate_rate": 0.1, "drop_rate": 0.1, "delay_ms": 200, "reorder": True}
    control.post(f"{sandbox_url}/_sandbox/webhooks/chaos", json={**webhooks, "seed": seed})


def buy(app: str, sandbox_url: str, kind: str, token: str, slug: str) -> str:
    """One learner buys one course the way `kind` says; returns how it ended for the client."""
    import stripe

    learner = Learner(app, token)
    api = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url}, max_network_retries=2)
    key = uuid.uuid4().hex
    if kind == "checkout":
        session = learner.post("/api/v1/checkout-sessions/", {"course": slug}, key)
        if session.status_code not in (200, 201):
            return f"checkout {session.status_code}"
        complete = f"{sandbox_url}/_sandbox/checkout/sessions/{session.json()['id']}/complete"
        stripe_retrying(lambda: requests.post(complete, json={}, timeout=10).raise_for_status())
        return "checkout completed"
    card = {
        "immediate": "pm_card_visa",
        "three_d_secure": "pm_card_authenticationRequired",
        "decline_then_pay": "pm_card_visa_chargeDeclined",
        "stripe_js": "",
    }[kind]
    body = {"course": slug, **({"payment_method": card} if card else {})}
    answer = learner.post("/api/v1/payments/", body, key)
    if kind == "decline_then_pay":
        if answer.status_code != 402:
            return f"{kind} first {answer.status_code}"
        body["payment_method"] = "pm_card_visa"
        answer = learner.post("/api/v1/payments/", body, uuid.uuid4().hex)
    if answer.status_code not in (200, 201):
        return f"{kind} {answer.status_code}"
    payment = answer.json()
    intent_id = payment["stripe_payment_intent_id"]
    if kind == "stripe_js":
        stripe_retrying(
            lambda: api.v1.payment_intents.confirm(
                intent_id, params={"payment_method": "pm_card_visa"}
            )
        )
    elif kind == "three_d_secure" and payment["status"] == "requires_action":
        approve = f"{sandbox_url}/_sandbox/payment_intents/{intent_id}/authenticate"
        stripe_retrying(
            lambda: requests.post(
                approve, json={"outcome": "approve"}, timeout=10
            ).raise_for_status()
        )
    return f"{kind} ok"


def settle(sandbox_url: str, quiet_for: float = 5.0, at_most: float = 300.0) -> None:
    """Wait until webhook deliveries and the inbox and receipt queues have been still a while."""
    from payments.models import InboxEvent

    deadline, still_since, last = time.monotonic() + at_most, time.monotonic(), None
    while time.monotonic() < deadline:
        deliveries = len(
            requests.get(f"{sandbox_url}/_sandbox/deliveries", timeout=10).json()["data"]
        )
        pending = InboxEvent.objects.filter(status="pending").count()
        state = (deliveries, pending, _receipt_progress())
        if state != last or pending:
            last, still_since = state, time.monotonic()
        elif time.monotonic() - still_since > quiet_for:
            return
        time.sleep(0.5)
    print("warning: the system did not settle", last)


def _receipt_progress() -> tuple[int, int]:
    from receipts.models import Receipt, ReceiptEmail

    return Receipt.objects.count(), ReceiptEmail.objects.filter(state="sent").count()


def report(sandbox_url: str) -> dict[str, int]:
    import stripe

    from courses.models import Enrollment
    from payments.models import Payment
    from payments.stripe_gateway import intent_state
    from payments.transitions import status_of
    from receipts.models import Receipt

    api = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url})
    intents = {
        i.id: i.to_dict() for i in api.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
    }
    charges = [c.to_dict() for c in api.v1.charges.list({"limit": 100}).auto_paging_iter()]
    paid_charges = Counter(
        intents[c["payment_intent"]]["metadata"].get("coursepay_payment_id", "")
        for c in charges
        if c["status"] == "succeeded" and c["payment_intent"] in intents
    )
    ours = Payment.objects.filter(learner__email__endswith=f"@{RUN}.soak.local")
    differs, unenrolled, no_receipt = [], [], []
    for payment in ours:
        intent = intents.get(payment.stripe_payment_intent_id)
        if intent is not None and status_of(intent_state(intent)) != payment.status:
            differs.append(f"{payment.pk}: ours {payment.status}, Stripe {intent['status']}")
        if (
            paid_charges[str(payment.pk)]
            and not Enrollment.objects.filter(
                learner_id=payment.learner_id, course_id=payment.course_id or 0, status="active"
            ).exists()
        ):
            unenrolled.append(str(payment.pk))
        if payment.status == "succeeded":
            receipt = Receipt.objects.filter(payment=payment).first()
            if receipt is None or not receipt.emails.filter(state="sent").exists():
                no_receipt.append(str(payment.pk))
    duplicates = [pid for pid, count in paid_charges.items() if pid and count > 1]
    lines = {
        "duplicate charges": len(duplicates),
        "payments whose status differs from Stripe's": len(differs),
        "charged learners without enrollment": len(unenrolled),
        "succeeded payments without receipt": len(no_receipt),
    }
    print(f"payments: {dict(Counter(p.status for p in ours))}")
    for label, value in lines.items():
        print(f"{label:45} {value}")
    for detail in (duplicates, differs, unenrolled, no_receipt):
        for line in detail[:5]:
            print(f"    {line}")
    return lines


if __name__ == "__main__":
    main()
