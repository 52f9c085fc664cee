"""The store's pages through Django's test client, against the Stripe sandbox: what each shows,
who may see it, and what every form does with good, bad and hostile input."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from courses.models import Enrollment
from payments.gateway import get_gateway
from payments.models import Payment, PaymentEvent, Refund, SavedCard
from payments.services.catalog import course_sync_to_stripe
from receipts.models import Receipt
from tests.factories import DEFAULT_PASSWORD, CourseFactory, PaymentFactory, UserFactory
from tests.payments.live_stripe import _stripe_calls  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(learner) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(learner)
    return client


def for_sale(**fields):
    course = CourseFactory.create(**fields)
    course_sync_to_stripe(course=course, gateway=get_gateway())
    return course


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def own(learner, course, **fields) -> Payment:
    payment = PaymentFactory.create(learner=learner, course=course, **fields)
    Enrollment.objects.create(learner=learner, course=course, payment=payment)
    return payment


# The catalog and a course ---------------------------------------------------------------------


def test_the_catalog_shows_each_price_in_its_currencys_own_format(client) -> None:
    CourseFactory.create(title="Yen", price_amount=3000, currency="jpy")
    CourseFactory.create(title="Dollars", price_amount=4900, currency="usd")
    CourseFactory.create(title="Dinars", price_amount=1500, currency="kwd")

    page = client.get("/").content.decode()

    assert "¥3,000" in page
    assert "$49.00" in page
    assert "KWD1.500" in page  # CLDR (Babel) writes no space here in en-US
    assert "30.00" not in page


def test_the_catalog_marks_owned_courses_only_for_their_owner(browser, learner, client) -> None:
    owned, other = CourseFactory.create(), CourseFactory.create()
    own(learner, owned)

    mine = browser.get("/").content.decode()
    anonymous = client.get("/").content.decode()

    assert re.search(rf'data-course="{owned.slug}">.*?Owned', mine, re.S)
    assert not re.search(rf'data-course="{other.slug}">[^•]*?Owned</span>\s*</p>\s*</li>', mine)
    assert "Owned" not in anonymous


def test_an_inactive_or_unknown_course_is_not_found(client) -> None:
    hidden = CourseFactory.create(active=False)

    assert client.get(f"/courses/{hidden.slug}/").status_code == 404
    assert client.get("/courses/no-such-course/").status_code == 404


def test_an_anonymous_visitor_is_asked_to_log_in_to_buy(client) -> None:
    course = CourseFactory.create()

    page = client.get(f"/courses/{course.slug}/").content.decode()

    assert f"/account/login/?next=/courses/{course.slug}/" in page
    assert "Buy with Checkout" not in page


def test_a_course_page_offers_checkout_and_the_learners_saved_cards(browser, learner) -> None:
    course = CourseFactory.create()
    SavedCard.objects.create(
        learner=learner, stripe_id="pm_mine", stripe_customer_id="cus_x", brand="visa", last4="4242"
    )
    SavedCard.objects.create(
        learner=UserFactory.create(),
        stripe_id="pm_theirs",
        stripe_customer_id="cus_y",
        last4="1111",
    )

    page = browser.get(f"/courses/{course.slug}/").content.decode()

    assert 'value="hosted"' in page
    assert 'value="embedded"' in page
    assert 'value="pm_mine"' in page
    assert "pm_theirs" not in page


def test_no_store_page_lives_under_the_service_apis_paths() -> None:
    store = next(
        pattern
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and pattern.namespace == "store"
    )
    prefixes = {str(pattern.pattern).lstrip("^").split("/")[0] for pattern in store.url_patterns}

    assert prefixes == {"", "courses", "checkout", "account"}


# Accounts -------------------------------------------------------------------------------------


def test_signing_up_logs_the_learner_in(client) -> None:
    response = client.post(
        "/account/signup/",
        {"name": "Ada", "email": "Ada@Example.com", "password": "a-long-enough-passphrase"},
        follow=True,
    )

    assert response.context["user"].email == "ada@example.com"
    assert messages_of(response) == ["Welcome! Your account is ready."]


def test_signing_up_with_a_taken_address_or_a_weak_password_says_which(client) -> None:
    UserFactory.create(email="taken@example.com")

    taken = client.post("/account/signup/", {"email": "taken@example.com", "password": "x" * 20})
    weak = client.post("/account/signup/", {"email": "new@example.com", "password": "12345678"})

    assert "already exists" in taken.context["form"].errors["email"][0]
    assert weak.context["form"].errors["password"]
    assert messages_of(weak) == ["Please correct the errors below."]


def test_logging_in_goes_to_next_on_this_site_only(client, learner) -> None:
    credentials = {"email": learner.email.upper(), "password": DEFAULT_PASSWORD}

    local = client.post("/account/login/?next=/account/payments/", credentials)
    client.post("/account/logout/")
    elsewhere = client.post("/account/login/", {**credentials, "next": "https://evil.example/"})

    assert local["Location"] == "/account/payments/"
    assert elsewhere["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_message(client, learner) -> None:
    response = client.post("/account/login/", {"email": learner.email, "password": "wrong"})

    assert response.status_code == 200
    assert "incorrect" in response.context["form"].non_field_errors()[0]
    assert not response.context["user"].is_authenticated


def test_repeated_log_in_attempts_are_throttled_per_client(client, learner, settings) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "auth": "3/min"},
    }
    wrong = {"email": learner.email, "password": "wrong"}

    answers = [client.post("/account/login/", wrong).status_code for _ in range(3)]
    refused = client.post("/account/login/", {**wrong, "password": DEFAULT_PASSWORD})
    signup = client.post("/account/signup/", {"email": "x@example.com", "password": "x" * 20})

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert not refused.context["user"].is_authenticated
    assert messages_of(refused) == [
        "Too many attempts from your network. Wait a minute, then try again."
    ]
    assert signup.status_code == 429


def test_logging_out_takes_a_post(browser) -> None:
    assert browser.get("/account/logout/").status_code == 405
    response = browser.post("/account/logout/", follow=True)

    assert not response.context["user"].is_authenticated
    assert messages_of(response) == ["You are logged out."]


def test_a_logged_in_learner_is_sent_on_from_the_login_and_signup_pages(browser) -> None:
    assert browser.get("/account/login/")["Location"] == "/"
    assert browser.get("/account/signup/")["Location"] == "/"


@pytest.mark.parametrize(
    "path",
    ["/account/courses/", "/account/payments/", "/account/cards/", "/checkout/return/"],
)
def test_account_pages_ask_an_anonymous_visitor_to_log_in(client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/account/login/?next={path}")


def test_forms_refuse_a_post_without_the_csrf_token(learner) -> None:
    course = CourseFactory.create()
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"})

    assert response.status_code == 403
    assert not Payment.objects.exists()


# Buying ---------------------------------------------------------------------------------------


def test_hosted_checkout_sends_the_learner_to_stripes_page(sandbox, browser, settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale()

    response = browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"})

    assert response.status_code == 302
    assert response["Location"].startswith(f"{sandbox.url}/c/pay/cs_")
    session = Payment.objects.get().checkout_session
    assert (
        session.success_url == "http://testserver/checkout/return/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert session.cancel_url == f"http://testserver/checkout/canceled/?course={course.slug}"


def test_on_an_origin_checkout_may_not_return_to_the_configured_pages_are_used(
    sandbox, browser, settings
) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["https://shop.example"]
    settings.CHECKOUT_SUCCESS_URL = "https://shop.example/checkout/success"
    course = for_sale()

    browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"})

    session = Payment.objects.get().checkout_session
    assert session.success_url.startswith("https://shop.example/checkout/success?session_id=")


def test_embedded_checkout_mounts_on_our_page_with_stripe_js_from_the_sandbox(
    sandbox, browser, settings
) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale(price_amount=3000, currency="jpy")

    response = browser.post(
        f"/courses/{course.slug}/checkout/", {"ui_mode": "embedded"}, follow=True
    )

    page = response.content.decode()
    assert re.fullmatch(r"/checkout/embedded/cs_\w+/", response.redirect_chain[-1][0])
    assert f'<script src="{sandbox.url}/v3/"></script>' in page
    assert f'data-publishable-key="{settings.STRIPE_PUBLISHABLE_KEY}"' in page
    assert 'data-session-secret="cs_' in page
    assert "¥3,000" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("configured", "api_base", "expected"),
    [
        ("https://cdn.example/stripe.js", "http://127.0.0.1:1", "https://cdn.example/stripe.js"),
        ("", "", "https://js.stripe.com/v3/"),
        ("", "http://127.0.0.1:1/", "http://127.0.0.1:1/v3/"),
    ],
)
def test_stripe_js_comes_from_the_setting_the_sandbox_or_stripe(
    settings, configured: str, api_base: str, expected: str
) -> None:
    from store.views import stripe_js_url

    settings.STRIPE_JS_URL, settings.STRIPE_API_BASE = configured, api_base

    assert stripe_js_url() == expected


def test_an_unknown_way_to_pay_is_refused_with_a_message(browser) -> None:
    course = CourseFactory.create()

    response = browser.post(
        f"/courses/{course.slug}/checkout/", {"ui_mode": "by-pigeon"}, follow=True
    )

    assert messages_of(response) == ["Choose how to pay: on Stripe's page or on this page."]
    assert not Payment.objects.exists()


def test_buying_an_owned_course_goes_to_my_courses(sandbox, browser, learner) -> None:
    course = for_sale()
    own(learner, course)

    response = browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"}, follow=True)

    assert response.redirect_chain[-1][0] == "/account/courses/"
    assert messages_of(response) == ["You already own this course."]


def test_a_service_refusal_is_shown_with_its_suggestion(browser) -> None:
    course = CourseFactory.create()  # never put on sale at Stripe: no price

    response = browser.post(f"/courses/{course.slug}/pay/", {"payment_method": ""}, follow=True)

    assert response.redirect_chain[-1][0] == f"/courses/{course.slug}/"
    assert len(messages_of(response)) == 1


def test_paying_with_a_card_id_charges_it_and_shows_the_payment_paid(sandbox, browser) -> None:
    course = for_sale()

    response = browser.post(
        f"/courses/{course.slug}/pay/", {"payment_method": "pm_card_visa"}, follow=True
    )

    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == f"/checkout/return/?payment_id={payment.pk}"
    assert payment.status == "succeeded"
    assert 'data-state="paid"' in response.content.decode()
    assert f"Payment received: {course.title} is yours." in messages_of(response)


def test_a_declined_card_shows_the_guidance_and_a_way_to_try_again(sandbox, browser) -> None:
    course = for_sale()

    response = browser.post(
        f"/courses/{course.slug}/pay/",
        {"payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds"},
        follow=True,
    )

    page = response.content.decode()
    assert 'data-state="failed"' in page
    assert "data-poll" not in page
    assert "Your card has insufficient funds." in page
    assert "Use another card, or add funds and try again." in page
    assert f'id="retry" href="/courses/{course.slug}/#buy"' in page


def test_paying_with_a_new_card_opens_the_payment_element(sandbox, browser) -> None:
    course = for_sale(price_amount=1900, currency="eur")

    response = browser.post(f"/courses/{course.slug}/pay/", {"payment_method": ""}, follow=True)

    payment = Payment.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/checkout/pay/{payment.pk}/"
    assert f'data-intent-secret="{payment.client_secret}"' in page
    assert f"/checkout/return/?payment_id={payment.pk}" in page
    assert "Pay €19.00" in page


def test_another_learners_saved_card_is_refused_before_stripe(
    sandbox, browser, stripe_calls
) -> None:
    course = for_sale()
    theirs = SavedCard.objects.create(
        learner=UserFactory.create(), stripe_id="pm_theirs", stripe_customer_id="cus_y"
    )
    stripe_calls.clear()

    response = browser.post(
        f"/courses/{course.slug}/pay/", {"payment_method": theirs.stripe_id}, follow=True
    )

    assert messages_of(response) == [
        "You have no saved card with this id. List your saved cards, or pay with a new card."
    ]
    assert stripe_calls == []
    assert not Payment.objects.exists()


@pytest.mark.parametrize("card", ["pm_x\x00", "pm x", "p" * 300, "pm_<script>"])
def test_a_malformed_card_id_is_refused_with_a_message(browser, card: str) -> None:
    course = CourseFactory.create()

    response = browser.post(f"/courses/{course.slug}/pay/", {"payment_method": card}, follow=True)

    assert messages_of(response) == ["Choose one of your saved cards, or a new card."]


def test_leaving_checkout_says_nothing_was_charged(client) -> None:
    course = CourseFactory.create()

    back = client.get(f"/checkout/canceled/?course={course.slug}", follow=True)
    bogus = client.get("/checkout/canceled/?course=../../admin", follow=True)

    assert back.redirect_chain[-1][0] == f"/courses/{course.slug}/"
    assert messages_of(back) == ["You left the checkout: nothing was charged."]
    assert bogus.redirect_chain[-1][0] == "/"


# Following a payment --------------------------------------------------------------------------


def test_landing_back_from_stripe_asks_stripe_at_once(sandbox, browser, stripe_calls) -> None:
    """3-D Secure approved at Stripe; no webhook has arrived: the page says paid anyway."""
    course = for_sale()
    browser.post(
        f"/courses/{course.slug}/pay/", {"payment_method": "pm_card_authenticationRequired"}
    )
    payment = Payment.objects.get()
    assert payment.status == "requires_action"
    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{payment.stripe_payment_intent_id}/authenticate",
        {"outcome": "approve"},
    )
    stripe_calls.clear()

    page = browser.get(f"/checkout/return/?payment_id={payment.pk}").content.decode()

    assert 'data-state="paid"' in page
    assert stripe_calls == [f"GET /v1/payment_intents/{payment.stripe_payment_intent_id}"]
    assert PaymentEvent.objects.filter(source="refresh", to_status="succeeded").count() == 1


def test_a_settled_payment_is_shown_from_the_ledger(browser, learner, stripe_calls) -> None:
    payment = own(learner, CourseFactory.create())

    page = browser.get(f"/checkout/return/?payment_id={payment.pk}").content.decode()

    assert 'data-state="paid"' in page
    assert stripe_calls == []


def test_the_status_fragment_polls_until_the_payment_settles(sandbox, browser) -> None:
    course = for_sale()
    browser.post(f"/courses/{course.slug}/pay/", {"payment_method": ""})
    payment = Payment.objects.get()

    fragment = browser.get(f"/checkout/status/?payment_id={payment.pk}").content.decode()

    assert fragment.startswith('<div id="checkout-status"')
    assert 'data-state="processing"' in fragment
    assert f'data-poll="/checkout/status/?payment_id={payment.pk}"' in fragment


def test_a_checkout_completed_at_stripe_reads_paid_on_landing(
    sandbox, browser, settings, stripe_calls
) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale()
    browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "embedded"})
    session_id = Payment.objects.get().checkout_session.stripe_id
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{session_id}/complete", {})
    stripe_calls.clear()

    landing = browser.get(f"/checkout/return/?session_id={session_id}").content.decode()
    polled = browser.get(f"/checkout/status/?session_id={session_id}").content.decode()
    again = browser.get(f"/checkout/return/?session_id={session_id}").content.decode()

    assert all('data-state="paid"' in page for page in (landing, polled, again))
    assert stripe_calls[0] == f"GET /v1/checkout/sessions/{session_id}"
    assert Payment.objects.get().status == "succeeded"
    assert len([call for call in stripe_calls if "checkout/sessions" in call]) == 1


def test_an_open_checkout_offers_to_continue_it(sandbox, browser, settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale()
    browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "embedded"})
    session_id = Payment.objects.get().checkout_session.stripe_id

    page = browser.get(f"/checkout/return/?session_id={session_id}").content.decode()
    embedded = browser.get(f"/checkout/status/?session_id={session_id}&embedded=1").content.decode()

    assert 'data-state="open"' in page
    assert "Not paid yet" in page
    assert f'href="/checkout/embedded/{session_id}/"' in page
    assert "data-poll" in embedded
    assert "Payment failed" not in embedded


def test_an_expired_checkout_reads_not_paid(sandbox, browser, settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale()
    browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"})
    session_id = Payment.objects.get().checkout_session.stripe_id
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{session_id}/expire", {})

    page = browser.get(f"/checkout/return/?session_id={session_id}").content.decode()
    embedded_page = browser.get(f"/checkout/embedded/{session_id}/")

    assert 'data-state="canceled"' in page
    assert "nothing was charged" in page
    assert embedded_page["Location"] == f"/checkout/return/?session_id={session_id}"


@pytest.mark.parametrize(
    "query",
    [
        "payment_id=not-a-uuid",
        "payment_id=00000000-0000-0000-0000-000000000000",
        "session_id=cs_nothing",
        "session_id=cs_%3Cscript%3E",
        "",
    ],
)
def test_following_a_payment_that_is_not_the_learners_is_not_found(browser, query) -> None:
    assert browser.get(f"/checkout/return/?{query}").status_code == 404
    assert browser.get(f"/checkout/status/?{query}").status_code == 404


def test_another_learners_payment_and_checkout_are_not_found(sandbox, browser, settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["http://testserver"]
    course = for_sale()
    other = Client()
    other.force_login(UserFactory.create())
    other.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "embedded"})
    theirs = Payment.objects.get()
    session_id = theirs.checkout_session.stripe_id

    assert browser.get(f"/checkout/return/?payment_id={theirs.pk}").status_code == 404
    assert browser.get(f"/checkout/return/?session_id={session_id}").status_code == 404
    assert browser.get(f"/checkout/embedded/{session_id}/").status_code == 404
    assert browser.get(f"/checkout/pay/{theirs.pk}/").status_code == 404


def test_a_paid_payment_is_not_offered_for_payment_again(browser, learner) -> None:
    payment = own(learner, CourseFactory.create())

    response = browser.get(f"/checkout/pay/{payment.pk}/")

    assert response["Location"] == f"/checkout/return/?payment_id={payment.pk}"


# My courses and payments ----------------------------------------------------------------------


def test_my_courses_lists_the_learners_courses_and_their_status(browser, learner) -> None:
    active, refunded = CourseFactory.create(title="Kept"), CourseFactory.create(title="Gone")
    own(learner, active)
    Enrollment.objects.filter(pk=own(learner, refunded).enrollment.pk).update(status="revoked")
    own(UserFactory.create(), CourseFactory.create(title="Not mine"))

    page = browser.get("/account/courses/").content.decode()

    assert "Kept" in page
    assert "Gone" in page
    assert "Refunded: no longer yours" in page
    assert "Not mine" not in page


def test_payments_show_amounts_status_refunds_and_the_receipt_link(browser, learner) -> None:
    course = CourseFactory.create(price_amount=3000, currency="jpy")
    payment = PaymentFactory.create(
        learner=learner, course=course, status="partially_refunded", amount_refunded=1000
    )
    Refund.objects.create(
        payment=payment, amount=1000, currency="jpy", reason="requested_by_customer",
        status="succeeded", origin="admin",
    )  # fmt: skip
    Receipt.objects.create(
        payment=payment, number="R-2026-1", year=2026, sequence=1, issued_at=payment.created,
        buyer_email=learner.email, currency="jpy", total_amount=3000, paid_at=payment.created,
        pdf="receipts/R-2026-1.pdf", pdf_sha256="0" * 64,
    )  # fmt: skip
    unrendered = PaymentFactory.create(learner=learner, course=CourseFactory.create())
    PaymentFactory.create(course=course)  # someone else's

    page = browser.get("/account/payments/").content.decode()

    assert page.count("data-payment=") == 2
    assert "¥3,000" in page
    assert "Refund ¥1,000: succeeded" in page
    assert f'href="/api/v1/payments/{payment.pk}/receipt.pdf"' in page
    assert f"/api/v1/payments/{unrendered.pk}/receipt.pdf" not in page


def test_payments_filter_by_status_and_dates(browser, learner) -> None:
    course = CourseFactory.create()
    old = PaymentFactory.create(learner=learner, course=course)
    Payment.objects.filter(pk=old.pk).update(created=datetime(2026, 1, 15, 12, tzinfo=UTC))
    failed = PaymentFactory.create(learner=learner, course=course, status="failed")

    by_status = browser.get("/account/payments/?status=failed").content.decode()
    january = browser.get(
        "/account/payments/?created_from=2026-01-15&created_to=2026-01-15"
    ).content.decode()
    later = browser.get("/account/payments/?created_from=2026-01-16").content.decode()

    assert by_status.count("data-payment=") == 1
    assert str(failed.pk) in by_status
    assert january.count("data-payment=") == 1
    assert str(old.pk) in january
    assert str(old.pk) not in later


@pytest.mark.parametrize(
    "query",
    ["status=bogus", "created_from=2026-13-45", "created_to=yesterday", "page=x&status=%3Cb%3E"],
)
def test_invalid_filters_are_ignored_with_a_message(browser, learner, query: str) -> None:
    PaymentFactory.create(learner=learner)

    response = browser.get(f"/account/payments/?{query}")

    assert response.status_code == 200
    assert response.content.decode().count("data-payment=") == 1
    assert messages_of(response) == ["Some filters are not valid; they were ignored."]


def test_a_nul_byte_in_a_filter_is_refused_before_any_view(browser) -> None:
    assert browser.get("/account/payments/?created_from=%00").status_code == 400


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_refused_on_a_page_gets_an_html_page_saying_why(browser) -> None:
    response = browser.get("/account/payments/?created_from=%00", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "A NUL character is never valid in a request&#x27;s query string." in (
        response.content.decode()
    )


def test_a_browser_sending_too_much_to_the_admin_gets_an_html_page(client) -> None:
    response = client.post(
        "/admin/login/",
        data="x",
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT=BROWSER_ACCEPT,
        CONTENT_LENGTH=str(10**9),
    )

    assert (response.status_code, response["Content-Type"][:9]) == (413, "text/html")
    assert "Request too large" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/account/payments/?created_from=%00", "*/*"),  # the store's fetch(), curl
        ("/api/v1/payments/?status=%00", BROWSER_ACCEPT),  # the API, even from a browser
        ("/payments/pi_x%00", BROWSER_ACCEPT),  # the service API's contract
        ("/account/payments/?created_from=%00", "application/json, text/html;q=0"),  # no HTML
    ],
)
def test_a_refusal_outside_a_browsers_page_keeps_its_json_shape(
    browser, path: str, accept: str
) -> None:
    response = browser.get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/account/payments?created_from=%00", "/admin?q=%00"])
def test_a_browser_refused_on_a_page_spelled_without_its_slash_gets_the_html_page(
    browser, path: str
) -> None:
    """Unrefused, the browser would be redirected to the page with the slash."""
    response = browser.get(path, HTTP_ACCEPT=BROWSER_ACCEPT)

    assert (response.status_code, response["Content-Type"][:9]) == (400, "text/html")


def test_the_last_day_there_is_filters_without_error(browser, learner) -> None:
    PaymentFactory.create(learner=learner)

    response = browser.get("/account/payments/?created_to=9999-12-31")

    assert response.content.decode().count("data-payment=") == 1


def test_payments_are_paged_newest_first_keeping_the_filters(browser, learner) -> None:
    now = datetime.now(UTC)
    made = [PaymentFactory.create(learner=learner, status="canceled") for _ in range(12)]
    for age, payment in enumerate(made):
        Payment.objects.filter(pk=payment.pk).update(created=now - timedelta(minutes=age))

    first = browser.get("/account/payments/?status=canceled").content.decode()
    second = browser.get("/account/payments/?status=canceled&page=2").content.decode()
    beyond = browser.get("/account/payments/?status=canceled&page=99").content.decode()

    assert first.count("data-payment=") == 10
    assert "Page 1 of 2" in first
    assert first.index(str(made[0].pk)) < first.index(str(made[9].pk))
    assert 'href="?status=canceled&amp;page=2"' in first
    assert second.count("data-payment=") == 2
    assert "Page 2 of 2" in beyond


# Saved cards ----------------------------------------------------------------------------------


def test_adding_a_card_opens_a_setup_intent_form(sandbox, browser) -> None:
    response = browser.post("/account/cards/add/")

    page = response.content.decode()
    assert re.search(r'data-intent-secret="seti_\w+_secret_\w+"', page)
    assert 'data-cards-url="/account/cards/"' in page
    assert "no-store" in response["Cache-Control"]


def test_a_card_on_its_way_is_polled_for_until_listed(browser, learner) -> None:
    waiting = browser.get("/account/cards/?added=pm_new").content.decode()
    SavedCard.objects.create(
        learner=learner, stripe_id="pm_new", stripe_customer_id="cus_x", last4="4242"
    )
    arrived = browser.get("/account/cards/list/?added=pm_new").content.decode()

    assert 'data-poll="/account/cards/list/?added=pm_new"' in waiting
    assert "data-poll" not in arrived
    assert "Card saved." in arrived


def test_another_learners_card_can_be_neither_removed_nor_made_default(
    sandbox, browser, stripe_calls
) -> None:
    theirs = SavedCard.objects.create(
        learner=UserFactory.create(), stripe_id="pm_theirs", stripe_customer_id="cus_y"
    )

    removed = browser.post(f"/account/cards/{theirs.stripe_id}/remove/", follow=True)
    defaulted = browser.post(f"/account/cards/{theirs.stripe_id}/default/", follow=True)

    expected = "You have no saved card with this id. List your saved cards, or pay with a new card."
    assert messages_of(removed) == [expected]
    assert messages_of(defaulted) == [expected]
    assert SavedCard.objects.filter(pk=theirs.pk).exists()
    assert stripe_calls == []


def test_a_card_id_that_is_no_stripe_id_names_no_page(browser) -> None:
    assert browser.post("/account/cards/pm%3Cx%3E/remove/").status_code == 404
    assert browser.post("/account/cards/pm_x/remove/x/").status_code == 404


UNAVAILABLE = (
    "The payment service is temporarily unavailable. Nothing was charged twice. "
    "Try again in a few seconds."
)


def test_stripe_down_while_opening_checkout_says_so_and_stays_on_the_course(
    sandbox, browser, settings
) -> None:
    course = for_sale()
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "POST", "path": "/v1/checkout/sessions", "status": 503, "count": 10},
    )

    response = browser.post(f"/courses/{course.slug}/checkout/", {"ui_mode": "hosted"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/courses/{course.slug}/"
    assert messages_of(response) == [UNAVAILABLE]


def test_stripe_down_while_adding_a_card_says_so(sandbox, browser) -> None:
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "POST", "path": "/v1/setup_intents", "status": 503, "count": 10},
    )

    response = browser.post("/account/cards/add/", follow=True)

    assert response.redirect_chain[-1][0] == "/account/cards/"
    assert messages_of(response) == [UNAVAILABLE]


def test_a_payment_of_no_course_is_named_by_its_description_and_has_no_return_page(
    browser, learner
) -> None:
    """The mobile contract records payments of no course: the history names them by their
    description; the return page, which follows course purchases, does not know them."""
    payment = PaymentFactory.create(
        learner=learner,
        course=None,
        amount=700,
        currency="usd",
        status="succeeded",
        description="Mobile top-up",
    )

    history = browser.get("/account/payments/").content.decode()
    landing = browser.get(f"/checkout/return/?payment_id={payment.pk}")

    assert "Mobile top-up" in history
    assert landing.status_code == 404
