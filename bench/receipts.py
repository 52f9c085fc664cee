"""Receipt PDFs: our render against a naive WeasyPrint render of the same receipt, and receipts
per minute end to end with one real Celery worker.

    .venv/bin/python bench/receipts.py --renders 40                       # renders only
    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/5 \\
      .venv/bin/python bench/receipts.py --renders 40 --receipts 300 [--pool solo]

Renders: one receipt's HTML (from templates/receipts/receipt.html) is rendered N times each
way, alternating, in this process. "naive" is what a first implementation does: the stylesheet
inline in the page, the system's DejaVu fonts, a fresh WeasyPrint setup per PDF. "ours" is
`receipts.pdf.html_to_pdf`. Both are measured twice: with WeasyPrint subsetting fonts through
libharfbuzz-subset (when the system has it) and through fontTools (its fallback, what a machine
without libharfbuzz-subset0 runs). The median of each and their ratio are printed.

End to end (needs REDIS_URL): a test database is created from the models; one worker
(`celery -A config worker`, prefork, one process) issues, renders and e-mails N receipts for N
paid payments to a local SMTP server. Printed: receipts per minute from the first enqueue to the
last accepted e-mail, and the worker's peak resident memory (main and pool process).
"""

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def median_ms(render: Callable[[], bytes], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_renders(html: str, runs: int) -> None:
    import weasyprint
    import weasyprint.pdf.fonts as weasyprint_fonts

    from receipts import pdf

    stylesheet = (pdf.ASSETS_DIR / "receipt.css").read_text()
    naive_html = html.replace("</head>", f"<style>{stylesheet}</style></head>")

    def naive() -> bytes:
        return weasyprint.HTML(string=naive_html).write_pdf()

    def ours() -> bytes:
        return pdf.html_to_pdf(html)

    print(f"Render one receipt, {runs} times each way (median ms):")
    print(
        f"  {'subsetter':<22} {'naive':>8} {'ours':>8} {'ratio':>7} {'naive KB':>9} {'ours KB':>8}"
    )
    has_hb = weasyprint_fonts.harfbuzz_subset is not None
    subsetters = (["libharfbuzz-subset"] if has_hb else []) + ["fontTools"]
    for subsetter in subsetters:
        if subsetter == "fontTools":
            weasyprint_fonts.harfbuzz_subset = None
        naive(), ours()  # warm both: imports, fontconfig, the first font loads
        naive_times, our_times = [], []
        for _ in range(runs):  # alternate, so that machine noise hits both sides alike
            naive_times.append(median_ms(naive, 1))
            our_times.append(median_ms(ours, 1))
        n, o = statistics.median(naive_times), statistics.median(our_times)
        print(
            f"  {subsetter:<22} {n:8.1f} {o:8.1f} {n / o:6.2f}x "
            f"{len(naive()) / 1024:9.1f} {len(ours()) / 1024:8.1f}"
        )


def bench_end_to_end(receipts: int, pool: str) -> None:
    from django.conf import settings
    from django.db import connection

    from config.celery import app
    from payments.models import Payment
    from receipts import queue
    from receipts.models import ReceiptEmail
    from tests.celery_worker import CeleryWorker, database_url, flush_broker, wait_for
    from tests.factories import CourseFactory, PaymentFactory, UserFactory
    from tests.receipts.support import SmtpSink

    if not settings.REDIS_URL:
        print("End to end: skipped (set REDIS_URL, and DATABASE_URL for PostgreSQL)")
        return
    flush_broker(settings.REDIS_URL)
    app.conf.task_always_eager = False
    course = CourseFactory.create(title="Django for Payments", price_amount=4900)
    payments = [
        PaymentFactory.create(learner=UserFactory.create(), course=course) for _ in range(receipts)
    ]
    sink = SmtpSink().start()
    worker = CeleryWorker(
        database=database_url(connection.settings_dict),
        redis=settings.REDIS_URL,
        env={**sink.worker_env, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        pool=pool,
    ).start()
    peak: dict[str, int] = {"main": 0, "pool": 0}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            for pid, kib in worker.rss_kib().items():
                role = "main" if pid == worker.pid else "pool"
                peak[role] = max(peak[role], kib)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        started = time.perf_counter()
        for payment in payments:
            queue.enqueue_receipt_chain(payment_id=payment.pk)
        wait_for(lambda: len(sink.accepted) >= receipts, timeout=600, interval=0.05)
        elapsed = time.perf_counter() - started
    finally:
        sampling.set()
        sampler.join()
        worker.stop()
        sink.stop()
        flush_broker(settings.REDIS_URL)
    sent = ReceiptEmail.objects.filter(state="sent").count()
    print(f"End to end, one worker ({pool} pool), {receipts} receipts (issue + render + e-mail):")
    print(
        f"  {receipts / elapsed * 60:.0f} receipts/min ({elapsed:.1f} s); e-mails accepted "
        f"{len(sink.accepted)}, recorded sent {sent}, payments {Payment.objects.count()}"
    )
    pool_rss = f", pool process {peak['pool'] / 1024:.0f} MB" if peak["pool"] else ""
    print(f"  worker peak RSS: main process {peak['main'] / 1024:.0f} MB{pool_rss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--receipts", type=int, default=0, help="end-to-end receipts (0: skip)")
    parser.add_argument("--pool", choices=("prefork", "solo"), default="prefork")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test.runner import DiscoverRunner

    settings.DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False
    runner = DiscoverRunner(verbosity=0, interactive=False)
    databases = runner.setup_databases()
    try:
        from receipts import services
        from receipts.services.render import receipt_html
        from tests.factories import CourseFactory, PaymentFactory, UserFactory

        payment = PaymentFactory.create(
            learner=UserFactory.create(name="Ada Lovelace"),
            course=CourseFactory.create(title="Django for Payments: the complete course"),
            card_brand="visa",
            card_last4="4242",
            stripe_charge_id="ch_3QxBenchmark000000000000",
        )
        html = receipt_html(services.receipt_issue(payment_id=payment.pk))
        bench_renders(html, args.renders)
        if args.receipts:
            bench_end_to_end(args.receipts, args.pool)
    finally:
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
