"""A learner's journeys through the store in a real headless Chromium, against a live server and
the Stripe sandbox (which delivers its webhooks): sign up and buy through hosted Checkout; buy
through embedded Checkout after a decline; save a card, make it the default and remove it.

Each journey asks nothing of another origin than ours and the sandbox's, logs no console error,
and each page fits 375 px and 1280 px; its final pages are kept in var/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from courses.models import Enrollment
from payments.gateway import get_gateway
from payments.models import Payment, SavedCard
from payments.services.catalog import course_sync_to_stripe
from receipts.models import Receipt
from tests.factories import DEFAULT_PASSWORD, CourseFactory, UserFactory
from tests.payments.live_stripe import wait_for
from tests.store.conftest import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECLINED = "4000 0000 0000 0002"
SUCCEEDS = "4242 4242 4242 4242"


def course_for_sale(**fields):
    course = CourseFactory.create(**fields)
    course_sync_to_stripe(course=course, gateway=get_gateway())
    return course


def log_in(journey: Journey, user: User) -> None:
    journey.go("/account/login/")
    journey.check_widths()
    journey.page.get_by_label("E-mail address").fill(user.email)
    journey.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    journey.page.get_by_role("button", name="Log in").click()
    journey.expect_message("You are logged in.")


def test_a_learner_signs_up_buys_on_the_hosted_page_and_finds_the_course_and_receipt(
    journey: Journey, settings
) -> None:
    settings.RECEIPTS_ON_PAYMENT_SUCCESS = True
    course = course_for_sale(title="Django for Payments", price_amount=4900, currency="usd")
    course_for_sale(title="Zero-Decimal Currencies", price_amount=3000, currency="jpy")
    course_for_sale(title="PDF Receipts with WeasyPrint", price_amount=1900, currency="eur")
    page = journey.page

    journey.go("/")
    journey.check_widths()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    journey.nav("Sign up")
    journey.check_widths()
    page.get_by_label("Name").fill("Ada Learner")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Create account").click()
    journey.expect_message("Welcome! Your account is ready.")

    expect(page.locator("#catalog")).to_contain_text("¥3,000")
    page.get_by_role("link", name="Django for Payments").click()
    expect(page.locator(".price-line .price")).to_have_text("$49.00")
    journey.check_widths()
    page.get_by_role("button", name="Buy with Checkout").click()
    expect(page.locator("#total")).to_contain_text("$49.00")  # the sandbox's hosted page
    journey.check_widths()
    page.fill("#card-number", SUCCEEDS)
    page.click("#pay")

    page.wait_for_url(re.compile(r"/checkout/return/\?session_id=cs_"))
    expect(page.locator("#checkout-status")).to_have_attribute("data-state", "paid")
    expect(page.locator("#checkout-status")).to_contain_text("It is yours")
    journey.screenshot("hosted-paid")

    journey.nav("Catalog")
    expect(page.locator(f"[data-course='{course.slug}'] .badge.owned")).to_have_text("Owned")
    journey.screenshot("catalog-owned")
    journey.nav("My courses")
    expect(page.locator("#my-courses")).to_contain_text("Django for Payments")
    journey.screenshot("my-courses")

    learner = User.objects.get(email="ada@example.com")
    wait_for(lambda: Receipt.objects.filter(payment__learner=learner).exclude(pdf="").exists())
    journey.nav("Payments")
    row = page.locator("#payments tbody tr").first
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("$49.00")
    receipt = row.locator("a.receipt")
    expect(receipt).to_be_visible()
    pdf = page.request.get(journey.url + str(receipt.get_attribute("href")))
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    journey.screenshot("payments")
    journey.assert_clean()


def test_a_declined_card_in_embedded_checkout_shows_the_guidance_and_a_retry_pays(
    journey: Journey,
) -> None:
    learner = UserFactory.create()
    course = course_for_sale(title="Zero-Decimal Currencies", price_amount=3000, currency="jpy")
    page = journey.page
    log_in(journey, learner)

    journey.go(f"/courses/{course.slug}/")
    expect(page.locator(".price-line .price")).to_have_text("¥3,000")
    page.get_by_label("Here, on this page").check()
    page.get_by_role("button", name="Buy with Checkout").click()
    page.wait_for_url(re.compile(r"/checkout/embedded/cs_"))
    expect(page.locator("#embedded-checkout #total")).to_contain_text("¥3,000")
    page.fill("#card-number", DECLINED)
    page.click("#pay")

    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("Your card was declined.")
    expect(guidance).to_contain_text("Contact your bank")
    journey.screenshot("embedded-declined")
    page.fill("#card-number", SUCCEEDS)
    page.click("#pay")

    page.wait_for_url(re.compile(r"/checkout/return/\?session_id=cs_"))
    expect(page.locator("#checkout-status")).to_have_attribute("data-state", "paid")
    journey.screenshot("embedded-paid")
    payment = Payment.objects.get(learner=learner)
    assert (payment.status, payment.failed_attempts) == ("succeeded", 1)
    assert Enrollment.objects.filter(learner=learner, course=course, status="active").exists()
    journey.assert_clean()


def test_a_learner_saves_a_card_makes_it_default_and_removes_it(journey: Journey) -> None:
    learner = UserFactory.create()
    page = journey.page
    log_in(journey, learner)

    journey.nav("Saved cards")
    expect(page.locator("#saved-cards")).to_contain_text("You have no saved cards.")
    journey.check_widths()
    page.get_by_role("button", name="Add a card").click()
    journey.check_widths()
    page.fill("#card-number", SUCCEEDS)
    page.get_by_role("button", name="Save card").click()

    page.wait_for_url(re.compile(r"/account/cards/\?added=pm_"))
    expect(page.locator("#card-saved")).to_have_text("Card saved.")
    expect(page.locator(".saved-card")).to_contain_text("ending 4242")
    page.get_by_role("button", name="Make default").click()
    journey.expect_message("Default card changed.")
    expect(page.locator(".saved-card .badge")).to_have_text("Default")
    journey.screenshot("cards")
    page.get_by_role("button", name="Remove").click()

    journey.expect_message("Card removed.")
    expect(page.locator("#saved-cards")).to_contain_text("You have no saved cards.")
    journey.screenshot("cards-removed")
    assert not SavedCard.objects.filter(learner=learner).exists()
    journey.assert_clean()


def test_a_learner_pays_in_the_payment_element_saves_the_card_and_pays_again_with_it(
    journey: Journey,
) -> None:
    learner = UserFactory.create()
    first = course_for_sale(title="PDF Receipts", price_amount=1900, currency="eur")
    second = course_for_sale(title="Webhooks", price_amount=2900, currency="usd")
    page = journey.page
    log_in(journey, learner)

    journey.go(f"/courses/{first.slug}/")
    page.get_by_label("Save a new card for next time").check()
    page.get_by_role("button", name="Pay €19.00").click()
    page.wait_for_url(re.compile(r"/checkout/pay/"))
    journey.check_widths()
    page.fill("#card-number", DECLINED)
    page.get_by_role("button", name="Pay €19.00").click()
    expect(page.locator("#payment-error")).to_have_text("Your card was declined.")
    page.fill("#card-number", SUCCEEDS)
    page.get_by_role("button", name="Pay €19.00").click()
    page.wait_for_url(re.compile(r"/checkout/return/\?payment_id="))
    expect(page.locator("#checkout-status")).to_have_attribute("data-state", "paid")

    wait_for(lambda: SavedCard.objects.filter(learner=learner).exists())
    journey.go(f"/courses/{second.slug}/")
    expect(page.get_by_label("Card", exact=True)).to_contain_text("Visa ending 4242")
    page.get_by_label("Card", exact=True).select_option(SavedCard.objects.get().stripe_id)
    page.get_by_role("button", name="Pay $29.00").click()
    page.wait_for_url(re.compile(r"/checkout/return/\?payment_id="))
    expect(page.locator("#checkout-status")).to_have_attribute("data-state", "paid")
    journey.screenshot("saved-card-paid")
    assert Enrollment.objects.filter(learner=learner, status="active").count() == 2
    journey.assert_clean()
