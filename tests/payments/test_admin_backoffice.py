"""The back office beyond refunds: the payments list (filters, search, totals, CSV), each
payment's timeline and Stripe links, the overview chart, read-only audit trails, the Stripe
mirror and the reprocessing of failed webhooks."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from payments.models import Dispute, InboxEvent, Payment, PaymentEvent, Refund, RefundEvent
from payments.services.refunds import RefundAsk, refund_request
from tests.factories import CourseFactory, PaymentFactory, UserFactory
from tests.payments.refund_support import (
    buy,
    sandbox_events,
    signed_post,
    staff_user,
    stripe_api,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/payments/payment/"


@pytest.fixture
def staff(client):
    client.force_login(staff_user(can_refund=False))
    return client


def listed(response) -> set[str]:
    return {str(payment.pk) for payment in response.context["cl"].result_list}


def test_the_list_filters_by_status_course_currency_and_date(staff) -> None:
    usd, jpy = (
        CourseFactory.create(currency="usd"),
        CourseFactory.create(currency="jpy", price_amount=3000),
    )
    paid = PaymentFactory.create(course=usd)
    failed = PaymentFactory.create(course=usd, status="failed")
    yen = PaymentFactory.create(course=jpy)
    old = PaymentFactory.create(course=usd)
    Payment.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=60))

    by_status = staff.get(CHANGELIST, {"status__exact": "failed"})
    by_course = staff.get(CHANGELIST, {"course__id__exact": jpy.pk})
    by_currency = staff.get(CHANGELIST, {"currency": "usd"})
    by_date = staff.get(CHANGELIST, {"created__gte": str(timezone.now() - timedelta(days=7))})

    assert listed(by_status) == {str(failed.pk)}
    assert listed(by_course) == {str(yen.pk)}
    assert listed(by_currency) == {str(paid.pk), str(failed.pk), str(old.pk)}
    assert str(old.pk) not in listed(by_date)


def test_the_list_filters_by_dispute_outcome(staff) -> None:
    lost, won, calm = PaymentFactory.create(), PaymentFactory.create(), PaymentFactory.create()
    for payment, outcome in ((lost, "lost"), (won, "won")):
        Dispute.objects.create(payment=payment, stripe_dispute_id=f"dp_{outcome}", amount=1,
                               currency="usd", stripe_status=outcome, outcome=outcome)  # fmt: skip

    assert listed(staff.get(CHANGELIST, {"dispute": "lost"})) == {str(lost.pk)}
    assert listed(staff.get(CHANGELIST, {"dispute": "won"})) == {str(won.pk)}
    assert str(calm.pk) in listed(staff.get(CHANGELIST))


@pytest.mark.parametrize("page", ["export.csv", "overview/"])
def test_staff_who_may_not_see_payments_get_403_for_exports_and_the_overview(client, page) -> None:
    client.force_login(UserFactory.create(is_staff=True))

    assert client.get(CHANGELIST + page).status_code == 403


def test_a_payment_is_found_by_its_receipt_number(staff) -> None:
    from receipts.services.issue import receipt_issue

    paid, other = PaymentFactory.create(), PaymentFactory.create()
    receipt = receipt_issue(payment_id=paid.pk)
    receipt_issue(payment_id=other.pk)

    found = staff.get(CHANGELIST, {"q": receipt.number.lower()}).context["cl"].result_list

    assert list(found) == [paid]


def test_totals_per_currency_follow_the_filters(staff) -> None:
    usd, jpy = (
        CourseFactory.create(currency="usd", price_amount=4900),
        CourseFactory.create(currency="jpy", price_amount=3000),
    )
    PaymentFactory.create(course=usd, status="partially_refunded", amount_refunded=900)
    PaymentFactory.create(course=usd, status="succeeded", amount_lost_to_disputes=4900)
    PaymentFactory.create(course=usd, status="failed")
    PaymentFactory.create(course=jpy, status="refunded", amount_refunded=3000)
    PaymentFactory.create(course=jpy)

    everything = staff.get(CHANGELIST).context["totals"]
    only_yen = staff.get(CHANGELIST, {"currency": "jpy"}).context["totals"]

    assert everything == [
        {
            "currency": "JPY",
            "count": 2,
            "gross": "¥6,000",
            "refunded": "¥3,000",
            "lost": "¥0",
            "net": "¥3,000",
        },
        {
            "currency": "USD",
            "count": 2,
            "gross": "$98.00",
            "refunded": "$9.00",
            "lost": "$49.00",
            "net": "$40.00",
        },
    ]
    assert [row["currency"] for row in only_yen] == ["JPY"]


@pytest.mark.parametrize(
    "term",
    ["email", "email-upper", "intent", "charge", "refund", "dispute", "customer", "payment-id"],
)
def test_search_finds_a_payment_by_each_of_its_names(staff, term) -> None:
    from payments.models import StripeCustomer

    target = PaymentFactory.create(stripe_charge_id="ch_target")
    PaymentFactory.create(stripe_charge_id="ch_other")
    Refund.objects.create(
        payment=target,
        amount=1,
        currency="usd",
        reason="duplicate",
        origin="admin",
        stripe_refund_id="re_target",
    )
    Dispute.objects.create(
        payment=target,
        stripe_dispute_id="dp_target",
        amount=1,
        currency="usd",
        stripe_status="needs_response",
    )
    StripeCustomer.objects.create(user=target.learner, customer_id="cus_target")
    terms = {
        "email": target.learner.email,
        "email-upper": f"  {target.learner.email.upper()} ",
        "intent": target.stripe_payment_intent_id,
        "charge": "ch_target",
        "refund": "re_target",
        "dispute": "dp_target",
        "customer": "cus_target",
        "payment-id": str(target.pk),
    }

    assert listed(staff.get(CHANGELIST, {"q": terms[term]})) == {str(target.pk)}


@pytest.mark.parametrize("term", ["nobody", "R-2026-000001", "%", "x" * 500])
def test_search_for_nothing_known_lists_nothing(staff, term) -> None:
    PaymentFactory.create()

    response = staff.get(CHANGELIST, {"q": term})

    assert response.status_code == 200
    assert listed(response) == set()


def test_a_search_with_a_nul_byte_is_refused_at_the_edge_not_a_500(staff) -> None:
    assert staff.get(CHANGELIST, {"q": "a\x00b"}).status_code == 400


def test_the_list_makes_no_query_per_row(staff, django_assert_max_num_queries) -> None:
    PaymentFactory.create_batch(3)
    with django_assert_max_num_queries(30) as few:
        staff.get(CHANGELIST)
    PaymentFactory.create_batch(40)

    with django_assert_max_num_queries(len(few.captured_queries)):
        staff.get(CHANGELIST)


def test_the_csv_export_streams_the_filtered_payments(staff) -> None:
    jpy = CourseFactory.create(currency="jpy", price_amount=3000, slug="yen-course")
    learner = UserFactory.create(email="=cmd@example.com")
    PaymentFactory.create(
        course=jpy, learner=learner, status="partially_refunded", amount_refunded=500
    )
    PaymentFactory.create(status="failed")

    response = staff.get(CHANGELIST + "export.csv", {"currency": "jpy"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["course"], row["currency"], row["amount"], row["refunded"]) == (
        "yen-course",
        "jpy",
        "3000",
        "500",
    )
    assert row["learner_email"] == "'=cmd@example.com"


def test_the_csv_export_writes_usd_in_dollars(staff) -> None:
    PaymentFactory.create(amount=4905)

    response = staff.get(CHANGELIST + "export.csv")

    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["amount"] == "49.05"


def test_the_overview_charts_each_currency_per_day(staff) -> None:
    usd = CourseFactory.create(currency="usd", price_amount=4900)
    jpy = CourseFactory.create(currency="jpy", price_amount=3000)
    now = timezone.now()
    PaymentFactory.create(course=usd, paid_at=now)
    PaymentFactory.create(course=usd, paid_at=now - timedelta(days=3))
    PaymentFactory.create(course=usd, paid_at=now - timedelta(days=40))
    refunded = PaymentFactory.create(
        course=jpy, paid_at=now, status="refunded", amount_refunded=3000
    )
    Refund.objects.create(
        payment=refunded,
        amount=3000,
        currency="jpy",
        reason="duplicate",
        origin="admin",
        status="succeeded",
        settled_at=now,
    )

    page = staff.get(CHANGELIST + "overview/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" width=') == 2
    assert "USD: taken $98.00, refunded $0.00, net $98.00" in html
    assert "JPY: taken ¥3,000, refunded ¥3,000, net ¥0" in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert len(page.context["charts"][0].gross_bars) == 30


def test_the_overview_says_when_nothing_moved(staff) -> None:
    assert b"No money moved in the last 30 days." in staff.get(CHANGELIST + "overview/").content


def test_a_payment_page_shows_its_timeline_with_actors_and_stripe_links(
    sandbox, learner, client
) -> None:
    paid = buy(learner)
    admin_user = staff_user(can_refund=True)
    refund_request(
        ask=RefundAsk(
            payment_id=str(paid.pk),
            amount=100,
            reason="duplicate",
            note="",
            origin="admin",
            requested_by=admin_user,
        ),
        gateway=__import__("payments.gateway", fromlist=["get_gateway"]).get_gateway(),
    )
    client.force_login(admin_user)

    page = client.get(f"/admin/payments/payment/{paid.pk}/change/").content.decode()

    assert "payment opened → pending" in page
    assert "payment pending → succeeded" in page
    assert "refund requested" in page
    assert f"Administrator: {admin_user.email}" in page
    assert "refund status pending → succeeded" in page
    assert f"https://dashboard.stripe.com/test/payments/{paid.stripe_payment_intent_id}" in page
    assert "https://dashboard.stripe.com/test/refunds/re_" in page
    assert "https://dashboard.stripe.com/test/customers/cus_" in page


def test_live_keys_link_to_the_live_dashboard(settings) -> None:
    from payments.admin import stripe_dashboard_url

    settings.STRIPE_SECRET_KEY = "sk_live_" + "x" * 24

    assert stripe_dashboard_url("payments", "pi_1") == "https://dashboard.stripe.com/payments/pi_1"


@pytest.mark.parametrize(
    "model", ["paymentevent", "refundevent", "disputeevent", "refund", "dispute", "payment"]
)
def test_ledger_and_audit_rows_cannot_be_changed_or_deleted(client, model) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    payment = PaymentFactory.create()
    refund = Refund.objects.create(
        payment=payment, amount=1, currency="usd", reason="duplicate", origin="admin"
    )
    dispute = Dispute.objects.create(
        payment=payment,
        stripe_dispute_id="dp_1",
        amount=1,
        currency="usd",
        stripe_status="needs_response",
    )
    rows = {
        "paymentevent": PaymentEvent.objects.create(
            payment=payment, to_status="succeeded", source="api"
        ),
        "refundevent": RefundEvent.objects.create(
            payment=payment, refund=refund, action="requested", source="admin"
        ),
        "disputeevent": dispute.events.create(
            payment=payment, to_status="needs_response", source="stripe"
        ),
        "refund": refund,
        "dispute": dispute,
        "payment": payment,
    }
    url = f"/admin/payments/{model}/{rows[model].pk}/"

    assert client.get(url + "change/").status_code == 200
    assert client.post(url + "change/", {}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/payments/{model}/").status_code == 200
    assert client.get(f"/admin/payments/{model}/add/").status_code == 403


def test_the_admin_index_shows_the_operator_s_models_only(client) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    apps = {
        app["name"]: {m["object_name"] for m in app["models"]}
        for app in client.get("/admin/").context["app_list"]
    }

    assert apps["Stripe mirror"] == {
        "Customer", "PaymentIntent", "Charge", "Refund", "Dispute", "Event", "WebhookEndpoint",
    }  # fmt: skip
    assert apps["Payments"] == {
        "Payment",
        "Refund",
        "Dispute",
        "PaymentEvent",
        "RefundEvent",
        "DisputeEvent",
        "InboxEvent",
        "ReconciliationIssue",
        # The seed contracts': the mobile app's subscriptions, products and service customers.
        "Subscription",
        "CatalogProduct",
        "ServiceCustomer",
    }


def test_a_failed_webhook_is_reprocessed_from_the_admin(
    sandbox, registered_endpoint, client
) -> None:
    payment_id = "00000000-0000-0000-0000-0000000000aa"
    intent = stripe_api(sandbox).v1.payment_intents.create(
        params={"amount": 4900, "currency": "usd", "payment_method": "pm_card_visa",
                "confirm": True,
                "metadata": {"coursepay_payment_id": payment_id}}
    )  # fmt: skip
    succeeded = next(
        e
        for e in sandbox_events(sandbox, "payment_intent.succeeded")
        if e["data"]["object"]["id"] == intent.id
    )
    answered = signed_post(registered_endpoint, succeeded, Client(raise_request_exception=False))
    assert answered.status_code == 200  # kept, not refused
    stored = InboxEvent.objects.get(event_id=succeeded["id"])
    assert stored.last_error.startswith("PaymentUnknown")
    InboxEvent.objects.filter(pk=stored.pk).update(status="failed")  # its attempts ran out
    PaymentFactory.create(id=payment_id, status="pending", stripe_payment_intent_id="")
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            "/admin/payments/inboxevent/",
            {"action": "reprocess", "_selected_action": [stored.pk]},
            follow=True,
        )

    assert b"1 failed event(s) queued for processing again." in done.content
    assert Payment.objects.get(pk=payment_id).status == "succeeded"
    stored.refresh_from_db()
    assert (stored.status, stored.last_error) == ("processed", "")
