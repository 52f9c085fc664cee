"""Receipt numbers: one receipt per paid payment, numbered per year without gap or twin."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from payments.models import PaymentEvent
from receipts import services
from receipts.errors import ReceiptNotIssuable
from receipts.models import Receipt, ReceiptCounter
from tests.factories import CourseFactory, PaymentFactory, UserFactory


@pytest.mark.django_db
def test_a_paid_payment_gets_the_years_first_number_and_a_frozen_copy_of_what_was_paid() -> None:
    learner = UserFactory.create(name="Ada Lovelace")
    course = CourseFactory.create(title="Django for Payments", price_amount=3000, currency="jpy")
    payment = PaymentFactory.create(learner=learner, course=course)

    receipt = services.receipt_issue(payment_id=payment.pk)

    year = timezone.now().year
    assert receipt.number == f"R-{year}-000001"
    assert (receipt.buyer_name, receipt.buyer_email) == ("Ada Lovelace", learner.email)
    assert (receipt.total_amount, receipt.currency) == (3000, "jpy")
    (line,) = receipt.lines.all()
    assert (line.description, line.unit_amount, line.quantity, line.amount) == (
        "Django for Payments",
        3000,
        1,
        3000,
    )
    course.title = "Renamed later"
    course.save()
    assert Receipt.objects.get().lines.get().description == "Django for Payments"


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_receipt_and_spends_no_number() -> None:
    payment = PaymentFactory.create()

    first = services.receipt_issue(payment_id=payment.pk)
    second = services.receipt_issue(payment_id=payment.pk)

    assert first.pk == second.pk
    assert ReceiptCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_numbers_follow_each_other_within_a_year() -> None:
    numbers = [
        services.receipt_issue(payment_id=PaymentFactory.create().pk).sequence for _ in range(3)
    ]

    assert numbers == [1, 2, 3]


@pytest.mark.django_db
def test_each_year_has_its_own_sequence() -> None:
    year = timezone.now().year
    ReceiptCounter.objects.create(year=year - 1, last_number=41)

    receipt = services.receipt_issue(payment_id=PaymentFactory.create().pk)

    assert receipt.number == f"R-{year}-000001"
    assert ReceiptCounter.objects.get(year=year - 1).last_number == 41


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "failed", "processing", "canceled"])
def test_a_payment_that_never_succeeded_gets_no_receipt(status: str) -> None:
    payment = PaymentFactory.create(status=status)

    with pytest.raises(ReceiptNotIssuable):
        services.receipt_issue(payment_id=payment.pk)

    assert not Receipt.objects.exists()
    assert not ReceiptCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.django_db
def test_a_refunded_payment_still_gets_its_receipt() -> None:
    payment = PaymentFactory.create(status="refunded")

    assert services.receipt_issue(payment_id=payment.pk).number.endswith("000001")


@pytest.mark.django_db
def test_the_database_refuses_a_second_receipt_for_one_payment() -> None:
    receipt = services.receipt_issue(payment_id=PaymentFactory.create().pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(
            payment=receipt.payment,
            number="R-2000-000001",
            year=2000,
            sequence=1,
            issued_at=receipt.issued_at,
            buyer_email=receipt.buyer_email,
            currency=receipt.currency,
            total_amount=receipt.total_amount,
            paid_at=receipt.paid_at,
        )


@pytest.mark.django_db
def test_a_number_taken_by_a_rolled_back_issue_is_given_again() -> None:
    first, second = PaymentFactory.create(), PaymentFactory.create()

    def issue_then_fail() -> None:
        with transaction.atomic():
            services.receipt_issue(payment_id=first.pk)
            raise RuntimeError("the issuing transaction fails after numbering")

    with pytest.raises(RuntimeError):
        issue_then_fail()

    assert services.receipt_issue(payment_id=second.pk).sequence == 1


@pytest.mark.django_db
def test_the_date_paid_is_the_charge_time_else_when_the_ledger_recorded_the_success() -> None:
    charged = timezone.now() - timedelta(days=2)
    with_charge = PaymentFactory.create(paid_at=charged)
    without_charge = PaymentFactory.create()
    recorded = PaymentEvent.objects.create(
        payment=without_charge, from_status="pending", to_status="succeeded", source="api"
    )

    assert services.receipt_issue(payment_id=with_charge.pk).paid_at == charged
    assert services.receipt_issue(payment_id=without_charge.pk).paid_at == recorded.created


def _in_threads(count: int, work) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_on_postgresql_gives_numbers_one_to_n_without_gap_or_twin() -> None:
    payments = [PaymentFactory.create() for _ in range(12)]

    errors = _in_threads(12, lambda i: services.receipt_issue(payment_id=payments[i].pk))

    assert errors == []
    sequences = sorted(Receipt.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 13))
    assert ReceiptCounter.objects.get().last_number == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_for_one_payment_on_postgresql_issues_one_receipt() -> None:
    payment = PaymentFactory.create()

    errors = _in_threads(8, lambda i: services.receipt_issue(payment_id=payment.pk))

    assert errors == []
    assert Receipt.objects.count() == 1
    assert ReceiptCounter.objects.get().last_number == 1
