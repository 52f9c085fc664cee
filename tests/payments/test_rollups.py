"""The running totals (`PaymentRollup`) agree with the ledger, and the back office reads them."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from payments import transitions
from payments.models import Payment, PaymentEvent, PaymentRollup, PaymentStatus
from payments.rollups import payment_rollups_rebuild
from payments.selectors import LedgerFilter, payment_count_and_totals, payment_totals_by_currency
from tests.factories import CourseFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db
ACTOR = transitions.Actor(PaymentEvent.Source.ADMIN, label="test")
CHANGELIST = "/admin/payments/payment/"


def snapshot() -> list[tuple[object, ...]]:
    return sorted(
        PaymentRollup.objects.exclude(count=0).values_list(
            "day", "currency", "course_id", "status", "count", "amount", "refunded", "lost"
        )
    )


def a_busy_ledger() -> None:
    usd, jpy = CourseFactory.create(currency="usd"), CourseFactory.create(currency="jpy")
    learner = UserFactory.create()
    opened = transitions.payment_open(learner_id=learner.pk, course=usd, actor=ACTOR)
    transitions.payment_move(opened, PaymentStatus.FAILED, actor=ACTOR)
    transitions.payment_move(opened, PaymentStatus.SUCCEEDED, actor=ACTOR)
    transitions.payment_move(
        opened, PaymentStatus.PARTIALLY_REFUNDED, actor=ACTOR, changes={"amount_refunded": 900}
    )
    transitions.payment_move(
        opened, PaymentStatus.REFUNDED, actor=ACTOR, changes={"amount_refunded": opened.amount}
    )
    transitions.payment_refund_reversed(
        opened, PaymentStatus.PARTIALLY_REFUNDED, actor=ACTOR, changes={"amount_refunded": 100}
    )
    yen = transitions.payment_open(learner_id=learner.pk, course=jpy, actor=ACTOR)
    transitions.payment_move(yen, PaymentStatus.CANCELED, actor=ACTOR)
    PaymentFactory.create(course=jpy, status="succeeded", amount_lost_to_disputes=3000)


def test_running_totals_equal_totals_rebuilt_from_the_ledger() -> None:
    a_busy_ledger()
    running = snapshot()

    payment_rollups_rebuild()

    assert running == snapshot()


def test_a_lost_dispute_moves_the_amount_lost(sandbox, learner_client) -> None:
    from payments.gateway import DisputeState
    from payments.services.disputes import dispute_record

    paid = learner_client.post(
        "/api/v1/payments/",
        {"course": CourseFactory.create().slug, "payment_method": "pm_card_visa"},
        format="json",
    ).json()
    payment = Payment.objects.get(pk=paid["id"])
    for status in ("needs_response", "lost"):
        dispute = DisputeState(
            id="dp_1",
            status=status,
            amount=payment.amount,
            currency=payment.currency,
            charge_id=payment.stripe_charge_id,
            payment_intent_id=payment.stripe_payment_intent_id,
            reason="fraudulent",
        )
        dispute_record(dispute=dispute, actor=ACTOR)

    assert PaymentRollup.objects.get(status="succeeded").lost == payment.amount


@pytest.mark.parametrize(
    "ledger",
    [
        LedgerFilter(),
        LedgerFilter(status="refunded"),
        LedgerFilter(currency="jpy"),
        LedgerFilter(status="succeeded", currency="usd"),
    ],
    ids=["all", "status", "currency", "status-and-currency"],
)
def test_totals_from_the_running_totals_equal_the_payments_own(ledger: LedgerFilter) -> None:
    a_busy_ledger()
    PaymentFactory.create_batch(3, status="refunded", amount_refunded=4900)
    payments = Payment.objects.all()
    if ledger.status:
        payments = payments.filter(status=ledger.status)
    if ledger.currency:
        payments = payments.filter(currency=ledger.currency)

    count, totals = payment_count_and_totals(ledger=ledger)

    assert count == payments.count()
    assert totals == payment_totals_by_currency(payments=payments)


@pytest.fixture
def staff(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def payment_scans(queries: CaptureQueriesContext) -> list[str]:
    """Counts and sums over the payments table itself."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "payments_payment"' in q["sql"] and ("COUNT(" in q["sql"] or "SUM(" in q["sql"])
    ]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status__exact": "refunded"},
        {"currency": "usd", "p": "1"},
        {"created__gte": "2026-01-01 00:00:00+00:00", "created__lt": "2099-01-01 00:00:00+00:00"},
    ],
    ids=["plain", "status", "currency-page", "whole-days"],
)
def test_the_payments_list_counts_and_sums_from_the_running_totals(staff, query) -> None:
    a_busy_ledger()

    with CaptureQueriesContext(connection) as queries:
        page = staff.get(CHANGELIST, query)

    assert page.status_code == 200
    assert payment_scans(queries) == []
    assert page.context["cl"].result_count == page.context["cl"].queryset.count()


@pytest.mark.parametrize(
    "query",
    [
        {"q": "nobody@example.com"},
        {"dispute": "open"},
        {"created__gte": "2026-01-01 10:30:00+00:00"},
    ],
    ids=["search", "dispute", "part-of-a-day"],
)
def test_filters_the_running_totals_cannot_answer_sum_the_payments(staff, query) -> None:
    a_busy_ledger()

    with CaptureQueriesContext(connection) as queries:
        page = staff.get(CHANGELIST, query)

    assert page.status_code == 200
    assert payment_scans(queries) != []


def test_an_unparsable_date_bound_is_left_to_the_admin(staff) -> None:
    assert staff.get(CHANGELIST, {"created__gte": "not-a-date"}).status_code in (200, 302)


def test_the_rebuild_command_says_how_many_buckets(capsys) -> None:
    a_busy_ledger()

    call_command("rollups_rebuild")

    assert "buckets of totals rebuilt" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("bound", "day"),
    [
        ("2026-11-30", "2026-11-30"),
        ("2026-11-30 00:00:00", "2026-11-30"),
        ("2026-11-30 09:00:00+09:00", "2026-11-30"),
        ("2026-11-30 10:30:00+00:00", None),
        ("yesterday", None),
    ],
)
def test_date_bounds_are_whole_utc_days_or_left_to_the_payments(bound, day) -> None:
    from payments.admin import _ledger_filter

    request = RequestFactory().get(CHANGELIST, {"created__gte": bound})

    ledger = _ledger_filter(request)

    assert (str(ledger.created_from) if ledger else None) == day


def test_a_bucket_names_itself() -> None:
    a_busy_ledger()

    assert "canceled: 1" in str(PaymentRollup.objects.get(status="canceled"))
