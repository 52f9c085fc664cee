"""Payment history and the back office at a million payments.

Fills PostgreSQL (DATABASE_URL, migrated beforehand) in bulk SQL with 1,000,000 payments over
50,000 learners, one of whom has 10,000 (a second run reuses them), then measures:

  the learner's API over HTTP (gunicorn as production runs it: 4 workers x 4 threads unless
  --workers and --threads say otherwise; token auth), for the learner
  with 10,000 payments: `GET /api/v1/payments/` page 1, page 500 (following the cursor), and a page
  filtered by dates, each with one client and with 16 concurrent clients (target: p99 under
  20 ms and 50 ms), and with 16 the CPU a page cost gunicorn, the client threads and PostgreSQL;
  the admin's payments list in process (a superuser, Django's test client): plain, filtered by
  status, searched by the learner's e-mail, a deep page, each with its totals (target: 300 ms).

With `--profile N` it asks for each learner page N times in this process instead (Django's
test client, the same middleware and view) and prints the CPU a page costs, then a profile of
page 1 (saved to var/history.prof).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coursepay_bench \\
      .venv/bin/python bench/history.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.admin_payments import fill, measure  # noqa: E402 (sets Django up)
from bench.purchase import cpu_seconds, cpu_split, free_port, gunicorn, process  # noqa: E402

HEAVY = "bench-heavy@example.com"
HEAVY_SQL = """
WITH heavy AS (SELECT id FROM accounts_user WHERE email = %(email)s),
     course AS (SELECT id, currency FROM courses_course WHERE slug = 'bench-course-1')
INSERT INTO payments_payment (id, learner_id, course_id, amount, currency, description, status,
    stripe_payment_intent_id, client_secret, failed_attempts, create_key_serial, failure_code,
    decline_code, failure_message, next_action_url, amount_refunded, stripe_charge_id,
    card_brand, card_last4, paid_at, stripe_checked_at, created, updated,
    amount_lost_to_disputes)
SELECT gen_random_uuid(), heavy.id, course.id, 4900, course.currency, 'Bench', 'canceled',
       'pi_heavy' || lpad(n::text, 16, '0'), '', 0, 0, '', '', '', '', 0, '', '', '', NULL,
       NULL, now() - (n || ' minutes')::interval, now(), 0
FROM generate_series(1, %(count)s) AS n, heavy, course
"""


def fill_heavy_learner(count: int) -> str:
    """A learner with `count` payments (canceled attempts: one open payment per course)."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from payments.models import Payment
    from payments.rollups import payment_rollups_rebuild

    learner, _ = User.objects.get_or_create(email=HEAVY)
    if not Payment.objects.filter(learner=learner).exists():
        with connection.cursor() as cursor:
            cursor.execute(HEAVY_SQL, {"email": HEAVY, "count": count})
            cursor.execute("ANALYZE payments_payment")
        payment_rollups_rebuild()
    return Token.objects.get_or_create(user=learner)[0].key


def timed(call, times: int, concurrency: int) -> tuple[float, float, float]:
    def one(_: int) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(times)))
    elapsed = time.perf_counter() - started
    p99 = statistics.quantiles(latencies, n=100)[98]
    return statistics.median(latencies), p99, times / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--heavy", type=int, default=10_000, help="the measured learner's")
    parser.add_argument("--requests", type=int, default=400, help="per page and concurrency")
    parser.add_argument("--rounds", type=int, default=20, help="admin pages")
    parser.add_argument("--profile", type=int, default=0, help="pages per kind, in process")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    options = parser.parse_args()
    started = time.monotonic()
    fill(options.payments, options.learners)
    token = fill_heavy_learner(options.heavy)
    print(f"data ready in {time.monotonic() - started:.1f} s")
    if options.profile:
        profile(token, options.profile)
        return

    port = free_port()
    app = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_ENV": "dev",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_USER_RATE": "1000000/min",
    }
    web = gunicorn(port, workers=options.workers, threads=options.threads)
    sessions = threading.local()  # one connection per client thread
    opened: list[requests.Session] = []

    def get(url: str):
        def call() -> None:
            if not hasattr(sessions, "session"):
                sessions.session = requests.Session()
                sessions.session.headers["Authorization"] = f"Token {token}"
                opened.append(sessions.session)
            response = sessions.session.get(url, timeout=30)
            assert response.status_code == 200, (url, response.status_code, response.text[:200])

        return call

    with process(web, env, f"{app}/healthz"):
        first = f"{app}/api/v1/payments/"
        url, walked = first, requests.Session()
        walked.headers["Authorization"] = f"Token {token}"
        for _ in range(499):  # page 500, as a client paging through gets there
            url = walked.get(url, timeout=30).json()["next"]
        dated = f"{first}?created_after=2026-01-01&created_before=2099-01-01"
        pages = {"page 1": first, "page 500 (cursor)": url, "date-filtered": dated}
        print(f"{'learner API page':<20} {'1 client p50/p99 ms':>22} {'16 clients p50/p99 ms':>24}")
        for name, page in pages.items():
            timed(get(page), 64, 16)  # warm every worker thread (its first request connects)
            alone = timed(get(page), options.requests, 1)
            before = cpu_seconds()
            crowd = timed(get(page), options.requests, 16)
            split = cpu_split(before, cpu_seconds(), options.requests)
            print(
                f"{name:<20} {alone[0]:>9.1f} / {alone[1]:<9.1f} {crowd[0]:>10.1f} / "
                f"{crowd[1]:<9.1f} ({crowd[2]:.0f} req/s; CPU ms a page: {split})"
            )
        for session in [walked, *opened]:
            session.close()  # gunicorn's graceful stop waits for open keep-alive connections

    from django.test import Client

    from accounts.models import User

    boss, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(boss)
    admin_pages = {
        "plain": "",
        "status=refunded": "?status__exact=refunded",
        "search e-mail": f"?q={HEAVY}",
        "deep page (p=500)": "?p=500",
    }
    print(f"{'admin payments list':<20} {'p50 / p99 ms':>16}")
    for name, query in admin_pages.items():
        p50, p99 = measure(client, f"/admin/payments/payment/{query}", options.rounds)
        print(f"{name:<20} {p50:>7.1f} / {p99:<7.1f}")


def profile(token: str, times: int) -> None:
    """The learner's pages in this process: the CPU of one (the database's work is not in it),
    then where page 1's goes (cProfile on the CPU clock)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Token {token}"})
    first = "/api/v1/payments/"
    url = first
    for _ in range(499):
        url = client.get(url).json()["next"]
    pages = {
        "page 1": first,
        "page 500 (cursor)": url,
        "date-filtered": f"{first}?created_after=2026-01-01&created_before=2099-01-01",
    }

    def ask(page: str) -> None:
        for _ in range(times):
            response = client.get(page)
            assert response.status_code == 200, (page, response.status_code)

    for name, page in pages.items():
        ask(page)  # warm
        cpu = time.process_time()
        ask(page)
        print(f"{name:<20} CPU {(time.process_time() - cpu) / times * 1000:6.2f} ms a page")
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(ask, first)
    (ROOT / "var").mkdir(exist_ok=True)
    profiler.dump_stats(ROOT / "var" / "history.prof")  # for `python -m pstats` or snakeviz
    pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
