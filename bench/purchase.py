"""What Coursepay adds to a purchase, over the bare Stripe call it wraps.

Starts the Stripe sandbox and gunicorn (threaded workers with keep-alive, as production runs
it; PostgreSQL from DATABASE_URL, migrated beforehand), makes
learners whose Stripe Customer already exists, then in the same run measures, with the same
concurrency and the same card:

  ours: POST /api/v1/payments/ {"course", "payment_method": "pm_card_visa"} (token auth)
  bare: the PaymentIntent create-and-confirm that purchase makes (the same parameters, expanded
        charge included), straight to the sandbox (SDK)
  floor: GET /api/v1/me/ with the same token on the same gunicorn: an authenticated DRF request
        (middleware, token lookup, throttles, a JSON answer) that does no business work and calls
        no Stripe, i.e. what any API request here costs before a purchase starts its own work

and prints p50/p99 latency, requests/s, our added latency at p50 and p99, and how much of it
the floor already is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coursepay_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 \\
      .venv/bin/python bench/purchase.py --learners 16 --courses 25 --concurrency 8

REDIS_URL makes Celery queue the receipt of each paid purchase for a worker, as in production;
without it Celery runs eagerly and each purchase would render a PDF inside the request, which is
not what a deployed purchase costs. Give the bench a Redis database of its own: the tasks it
queues (no worker runs) are purged at the end.

With `--profile N` it runs N purchases in this process instead (Django's test client through the
same middleware and view), and prints the CPU, SQL statements and Redis round trips of one
purchase, then a profile of where that CPU goes.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, cast

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEY = "sk_test_" + "benchmark" * 3


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    child = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(health)
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def gunicorn(
    port: int, *, workers: int, worker_class: str = "gthread", threads: int = 4
) -> list[str]:
    """The web process's command: production's (config/gunicorn.py: the app loaded in the
    master, threaded workers, the access log) with these workers, keeping a client's connection
    open between its requests as Stripe's API does (longer than any pause between one client's
    requests here)."""
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "config/gunicorn.py")]
    command += ["config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--worker-class", worker_class]
    if worker_class == "gthread":
        command += ["--threads", str(threads), "--keep-alive", "60"]
    return command


def timed(calls: list[Callable[[], None]], concurrency: int) -> tuple[list[float], float]:
    """Latencies (ms) of the calls made `concurrency` at a time, and the seconds they took."""

    def one(call: Callable[[], None]) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, calls))
    return latencies, time.perf_counter() - started


CPU_GROUPS = {
    b"gunicorn": "web",
    b"stripe_sandbox": "sandbox",
    b"postgres": "postgres",
    b"redis-server": "redis",
}
"""What a process's command line holds -> the group its CPU counts in (`cpu_seconds`)."""


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process (the client threads) and by each group of
    processes in `CPU_GROUPS`: where a request's CPU goes on a machine they share (Linux's
    /proc; finished processes are not counted, so take both readings while they run)."""
    used = dict.fromkeys(["client", *CPU_GROUPS.values()], 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        group: str | None = "client"
        if stat.parent.name != str(os.getpid()):
            group = next((g for marker, g in CPU_GROUPS.items() if marker in command), None)
        if group:
            used[group] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def cpu_split(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    """CPU ms a request, per group that used any, between two `cpu_seconds` readings."""
    return ", ".join(
        f"{group} {(after[group] - before[group]) / requests * 1000:.1f}"
        for group in after
        if after[group] > before[group]
    )


def summary(
    name: str, calls: list[Callable[[], None]], concurrency: int
) -> tuple[float, float, float]:
    """Makes the calls; prints their p50, p99, requests/s and CPU per request by process
    group, and returns p50, p99 (ms) and requests/s."""
    before = cpu_seconds()
    latencies, elapsed = timed(calls, concurrency)
    split = cpu_split(before, cpu_seconds(), len(calls))
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = statistics.median(latencies), cuts[98]
    rate = len(latencies) / elapsed
    print(
        f"{name:5} n={len(latencies):5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms  {rate:7.1f} req/s"
        f"  (CPU ms a request: {split})"
    )
    return p50, p99, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=16)
    parser.add_argument("--courses", type=int, default=25, help="purchases per learner")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead: N purchases in this process (Django's test client, the same middleware "
        "and view), printing CPU, SQL statements and Redis round trips per purchase and a profile",
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a migrated PostgreSQL database.")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        raise SystemExit("Set REDIS_URL to a Redis database of the bench's own (see --help).")

    sandbox_url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "DJANGO_ENV": "dev",
        "DJANGO_DEBUG": "false",
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_SECRET_KEY": KEY,
        "LOG_LEVEL": "WARNING",
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_PAYMENTS_USER_RATE": "1000000/min",
        "THROTTLE_PAYMENTS_IP_RATE": "1000000/min",
        # A shared, loaded machine can stall a process for seconds: measure, do not time out.
        "STRIPE_TIMEOUT_SECONDS": "20",
        "STRIPE_REQUEST_BUDGET_SECONDS": "30",
    }
    os.environ.update(env)
    import django

    from config.environment import use_settings_module

    use_settings_module()
    django.setup()

    sandbox_port = sandbox_url.rsplit(":", 1)[1]
    with process(
        [sys.executable, "-m", "stripe_sandbox", "--port", sandbox_port],
        env,
        f"{sandbox_url}/_sandbox/health",
    ):
        courses, learners = prepare(options.learners, options.courses)
        purchases = [(token, slug) for slug in courses for token, _ in learners]
        if options.profile:
            profile(purchases[: options.profile])
        else:
            compare(options, env, sandbox_url, courses, learners)
    from config.celery import app as celery_app

    celery_app.control.purge()  # the receipts queued for a worker that never ran


def prepare(learners: int, courses: int) -> tuple[list[str], list[tuple[str, Any]]]:
    """`courses` course slugs and `learners` (token, user) whose Stripe Customer exists, with
    the previous run's purchases forgotten (a fresh sandbox each run)."""
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from courses.models import Course, Enrollment
    from payments.gateway import get_gateway
    from payments.models import IdempotencyRecord, Payment, StripeCustomer
    from payments.services.customers import stripe_customer_get_or_create
    from receipts.models import Receipt

    bench_users = {"learner__email__endswith": "@bench.local"}
    Enrollment.objects.filter(**bench_users).delete()
    Receipt.objects.filter(payment__learner__email__endswith="@bench.local").delete()
    Payment.objects.filter(**bench_users).delete()
    IdempotencyRecord.objects.filter(user__email__endswith="@bench.local").delete()
    StripeCustomer.objects.filter(user__email__endswith="@bench.local").delete()
    slugs = [
        Course.objects.update_or_create(
            slug=f"bench-{n}", defaults={"title": f"Bench {n}", "price_amount": 1000}
        )[0].slug
        for n in range(courses)
    ]
    made = []
    for n in range(learners):
        user, _ = User.objects.get_or_create(email=f"learner{n}@bench.local")
        stripe_customer_get_or_create(user=user, gateway=get_gateway())  # it exists already
        made.append((Token.objects.get_or_create(user=user)[0].key, user))
    return slugs, made


def compare(
    options: argparse.Namespace,
    env: dict[str, str],
    sandbox_url: str,
    courses: list[str],
    learners: list[tuple[str, Any]],
) -> None:
    """ours (gunicorn) against bare (the SDK straight to the sandbox), in one run."""
    import stripe

    from payments.models import StripeCustomer

    app_port = free_port()
    app = f"http://127.0.0.1:{app_port}"
    web = gunicorn(
        app_port,
        workers=options.workers,
        worker_class=options.worker_class,
        threads=options.threads,
    )
    with process(web, env, f"{app}/healthz"):
        sessions: dict[str, requests.Session] = {}

        def ours(token: str, slug: str) -> Callable[[], None]:
            def call() -> None:
                session = sessions.setdefault(token, requests.Session())
                response = session.post(
                    f"{app}/api/v1/payments/",
                    json={"course": slug, "payment_method": "pm_card_visa"},
                    headers={"Authorization": f"Token {token}"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text

            return call

        client = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url})
        customers = {
            c.user_id: c.customer_id
            for c in StripeCustomer.objects.filter(user__in=[u for _, u in learners])
        }

        def floor(token: str) -> Callable[[], None]:
            def call() -> None:
                session = sessions.setdefault(token, requests.Session())
                response = session.get(
                    f"{app}/api/v1/me/", headers={"Authorization": f"Token {token}"}, timeout=10
                )
                assert response.status_code == 200, response.text

            return call

        def bare(customer_id: str) -> Callable[[], None]:
            def call() -> None:
                client.v1.payment_intents.create(params=cast(Any, bare_intent(customer_id)))

            return call

        purchases = [ours(t, slug) for slug in courses for t, _ in learners]
        direct = [bare(customers[u.pk]) for _ in courses for _, u in learners]
        plain = [floor(t) for _ in courses for t, _ in learners]
        # Warm both sides: the connections, and every gunicorn thread's first request (lazy
        # imports, its first database connection), which are not what a purchase costs.
        warm = options.workers * options.threads
        if len(purchases) <= warm:
            raise SystemExit(f"--learners x --courses must be more than {warm} (the warm-up)")
        timed(direct[:warm], options.concurrency)
        timed(purchases[:warm], options.workers * options.threads)
        timed(plain[:warm], options.workers * options.threads)
        purchases, direct, plain = purchases[warm:], direct[warm:], plain[warm:]
        bare_p50, bare_p99, bare_rate = summary("bare", direct, options.concurrency)
        floor_p50, _, floor_rate = summary("floor", plain, options.concurrency)
        ours_p50, ours_p99, ours_rate = summary("ours", purchases, options.concurrency)
        added = ours_p50 - bare_p50
        print(
            f"added p50={added:.2f} ms  p99={ours_p99 - bare_p99:.2f} ms; "
            f"the floor is {floor_p50:.2f} ms of it, "
            f"the purchase's own work {added - floor_p50:.2f} ms"
        )
        print(
            f"req/s: ours/bare {ours_rate / bare_rate:.2f}, floor/bare {floor_rate / bare_rate:.2f}"
        )
        for session in sessions.values():
            session.close()  # gunicorn's graceful stop waits for open keep-alive connections


def bare_intent(customer_id: str) -> dict[str, Any]:
    """The PaymentIntent create-and-confirm a purchase makes, with the same parameters."""
    return {
        "amount": 1000,
        "currency": "usd",
        "customer": customer_id,
        "description": "Bench",
        "metadata": {"coursepay_payment_id": "bench"},
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "payment_method": "pm_card_visa",
        "confirm": True,
        "expand": ["latest_charge"],  # as purchase asks (the card paid)
    }


def profile(purchases: list[tuple[str, str]]) -> None:
    """The purchases in this process: CPU and round trips per purchase, then where the CPU goes
    (cProfile on the CPU clock; the Stripe call's wait and the database's work are not in it)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host, as gunicorn is reached

    def buy(token: str, slug: str) -> None:
        response = client.post(
            "/api/v1/payments/",
            {"course": slug, "payment_method": "pm_card_visa"},
            content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        )
        assert response.status_code == 201, response.content

    warm, measured = purchases[:20], purchases[20:]
    if not measured:
        raise SystemExit("--profile needs more than 20 purchases (the first 20 warm up)")
    for token, slug in warm:
        buy(token, slug)
    half = len(measured) // 2
    with CaptureQueriesContext(connection) as queries, redis_commands() as commands:
        started, cpu = time.perf_counter(), time.process_time()
        for token, slug in measured[:half]:
            buy(token, slug)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    n = max(half, 1)
    print(
        f"{n} purchases: CPU {cpu / n * 1000:.2f} ms, wall {wall / n * 1000:.2f} ms, "
        f"{len(queries) / n:.1f} SQL statements, {commands() / n:.1f} Redis round trips each"
    )
    profiler = cProfile.Profile(time.process_time)

    def rest() -> None:
        for token, slug in measured[half:]:
            buy(token, slug)

    profiler.runcall(rest)
    (ROOT / "var").mkdir(exist_ok=True)
    profiler.dump_stats(ROOT / "var" / "purchase.prof")  # for `python -m pstats` or snakeviz
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


@contextmanager
def redis_commands() -> Iterator[Callable[[], int]]:
    """Counts the round trips to Redis (the cache and Celery's broker) while inside."""
    from redis.connection import Connection

    count = 0
    send = Connection.send_packed_command

    def counted(self: Connection, command: Any, check_health: bool = True) -> None:
        nonlocal count
        count += 1
        send(self, command, check_health)

    setattr(Connection, "send_packed_command", counted)  # noqa: B010 (a method, swapped for a while)
    try:
        yield lambda: count
    finally:
        setattr(Connection, "send_packed_command", send)  # noqa: B010


if __name__ == "__main__":
    main()
