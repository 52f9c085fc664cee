"""The back office's payments list at scale: ours against a stock Django admin of the same model.

Fills PostgreSQL (DATABASE_URL, migrated beforehand) with PAYMENTS payments over LEARNERS
learners and 25 courses in bulk SQL (once: a second run reuses them), then, in one run, asks
both admins for the same pages through Django's test client (in process, logged in as a
superuser) and prints p50/p99 per page:

  ours:  payments.admin.PaymentAdmin (indexed filters, exact search by shape, totals per
         currency, no full count)
  stock: a ModelAdmin as Django's docs would have it (the same filters, `search_fields` with
         icontains over e-mail, ids and titles, `date_hierarchy`, the full count)

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coursepay_bench \\
      .venv/bin/python bench/admin_payments.py --payments 1000000 --learners 50000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The test settings: DEBUG off, static files without a collected manifest, quiet throttles.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.models import User  # noqa: E402
from payments.models import Payment  # noqa: E402
from payments.rollups import payment_rollups_rebuild  # noqa: E402


class StockPaymentAdmin(admin.ModelAdmin):
    list_display = ("created", "learner", "course", "amount", "currency", "status")
    list_filter = ("status", "currency", "created", "course")
    search_fields = ("id", "learner__email", "stripe_payment_intent_id", "course__title")
    list_select_related = ("learner", "course")
    date_hierarchy = "created"
    change_list_template = "admin/change_list.html"  # not ours (it links our pages)


stock_site = admin.AdminSite(name="stock")
stock_site.register(Payment, StockPaymentAdmin)
urlpatterns = [path("stock/", stock_site.urls), path("admin/", admin.site.urls)]

FILL_SQL = """
INSERT INTO courses_course (slug, title, description, price_amount, currency, active,
    stripe_product_id, stripe_price_id, stripe_price_amount, stripe_price_currency, created,
    updated)
SELECT 'bench-course-' || n, 'Bench course ' || n, '', 1000 + n * 100,
       CASE WHEN n %% 5 = 0 THEN 'jpy' ELSE 'usd' END, true, '', '', NULL, '', now(), now()
FROM generate_series(1, 25) AS n ON CONFLICT (slug) DO NOTHING
;;
INSERT INTO accounts_user (email, name, password, is_active, is_staff, is_superuser,
    date_joined, last_login)
SELECT 'bench-learner-' || n || '@example.com', 'Learner ' || n, '!', true, false, false,
       now(), NULL
FROM generate_series(1, %(learners)s) AS n ON CONFLICT (email) DO NOTHING
;;
WITH learners AS (SELECT array_agg(id) AS ids FROM accounts_user
                  WHERE email LIKE 'bench-learner-%%'),
     courses AS (SELECT array_agg(id) AS ids, array_agg(currency) AS currencies
                 FROM courses_course WHERE slug LIKE 'bench-course-%%')
INSERT INTO payments_payment (id, learner_id, course_id, amount, currency, description, status,
    stripe_payment_intent_id, client_secret, failed_attempts, create_key_serial, failure_code,
    decline_code, failure_message, next_action_url, amount_refunded, stripe_charge_id,
    card_brand, card_last4, paid_at, stripe_checked_at, created, updated,
    amount_lost_to_disputes)
SELECT gen_random_uuid(), learners.ids[1 + (n %% array_length(learners.ids, 1))],
       courses.ids[1 + (n %% 25)], 4900, courses.currencies[1 + (n %% 25)], 'Bench',
       CASE WHEN n %% 20 = 0 THEN 'refunded' WHEN n %% 20 = 1 THEN 'canceled'
            WHEN n %% 20 = 2 THEN 'partially_refunded' ELSE 'succeeded' END,
       'pi_bench' || lpad(n::text, 16, '0'), '', 0, 0, '', '', '', '',
       CASE WHEN n %% 20 = 0 THEN 4900 WHEN n %% 20 = 2 THEN 1000 ELSE 0 END,
       'ch_bench' || lpad(n::text, 16, '0'), 'visa', '4242',
       now() - (n || ' seconds')::interval, NULL,
       now() - (n || ' seconds')::interval, now(), 0
FROM generate_series(%(start)s, %(stop)s) AS n, learners, courses;
"""


def fill(payments: int, learners: int) -> None:
    have = Payment.objects.count()
    if have >= payments:
        print(f"reusing {have:,} payments")
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        params = {"learners": learners, "start": have + 1, "stop": payments}
        for statement in FILL_SQL.split(";;"):
            cursor.execute(statement, {k: v for k, v in params.items() if f"%({k})s" in statement})
        cursor.execute("ANALYZE")
    buckets = payment_rollups_rebuild()  # bulk SQL bypasses the ledger's running totals
    print(f"filled {payments - have:,} payments ({buckets} buckets of totals) in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip


def measure(client: Client, url: str, rounds: int) -> tuple[float, float]:
    client.get(url)  # warm
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    fill(options.payments, options.learners)
    boss, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(boss)
    email = "bench-learner-17@example.com"
    pages = {
        "plain": "",
        "status=refunded": "?status__exact=refunded",
        "search e-mail": f"?q={email}",
        "deep page (p=500)": "?p=500",
    }
    print(f"{'page':<20} {'ours p50/p99 ms':>18} {'stock p50/p99 ms':>18}  ratio p50")
    with override_settings(ROOT_URLCONF=__name__):
        for name, query in pages.items():
            ours = measure(client, f"/admin/payments/payment/{query}", options.rounds)
            stock = measure(client, f"/stock/payments/payment/{query}", options.rounds)
            print(
                f"{name:<20} {ours[0]:>8.1f} / {ours[1]:<7.1f} {stock[0]:>8.1f} / "
                f"{stock[1]:<7.1f}  {stock[0] / ours[0]:.1f}x"
            )


if __name__ == "__main__":
    main()
