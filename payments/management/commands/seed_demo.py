"""Demo data for `make run`: an admin, a learner, and a few courses (in Stripe too), then a
banner saying where the store, the back office and the API docs are, and how to log in.

Development only: the passwords are fixed and public, so the command refuses to run in
production. Running it again changes nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from courses.models import Course
from payments.contracts.embedded_checkout import embedded_product
from payments.gateway import get_gateway
from payments.services.catalog import course_sync_to_stripe
from payments.services.products import ProductSpec, catalog_product_get_or_create

DEMO_USERS = (
    {"email": "admin@coursepay.local", "password": "coursepay-admin", "name": "Demo Admin"},
    {"email": "learner@coursepay.local", "password": "coursepay-learner", "name": "Demo Learner"},
)
MONTHLY_PRICE = ProductSpec(
    external_id="coursepay-premium-monthly",
    name="Coursepay Premium (monthly)",
    description="Every course, billed monthly (the mobile app's subscription).",
    amount=999,
    currency="usd",
    interval="month",
)
DEMO_COURSES = (
    ("django-for-payments", "Django for Payments", 4900, "usd", "Ledgers, webhooks, idempotency."),
    ("stripe-webhooks-deep-dive", "Stripe Webhooks Deep Dive", 2900, "usd", "At least once."),
    ("pdf-receipts-with-weasyprint", "PDF Receipts with WeasyPrint", 1900, "eur", "Print it."),
    ("zero-decimal-currencies", "Zero-Decimal Currencies", 3000, "jpy", "Yen have no cents."),
)


class Command(BaseCommand):
    help = "Create demo users and courses (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STRIPE_LIVE_MODE or not settings.DEBUG:
            raise CommandError("seed_demo only runs in development (DEBUG on, Stripe test mode).")
        for index, spec in enumerate(DEMO_USERS):
            staff = index == 0
            user, created = User.objects.get_or_create(
                email=spec["email"],
                defaults={"name": spec["name"], "is_staff": staff, "is_superuser": staff},
            )
            if created:
                user.set_password(spec["password"])
                user.save(update_fields=["password"])
        gateway = get_gateway()
        for slug, title, amount, currency, description in DEMO_COURSES:
            course, _ = Course.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "price_amount": amount,
                    "currency": currency,
                    "description": description,
                },
            )
            course_sync_to_stripe(course=course, gateway=gateway)
        self.stdout.write(f"Demo courses: {Course.objects.count()} (Stripe: {gateway_label()})")
        one_time = catalog_product_get_or_create(spec=embedded_product(), gateway=gateway)
        monthly = catalog_product_get_or_create(spec=MONTHLY_PRICE, gateway=gateway)
        self.stdout.write(
            f"Embedded checkout product: {one_time.name} ({one_time.stripe_price_id})"
        )
        self.stdout.write(f"Monthly subscription price: {monthly.stripe_price_id}")
        self.stdout.write(banner(settings.SITE_URL))


def banner(site_url: str) -> str:
    """Where to go and how to log in (development only: these passwords are public)."""
    admin, learner = DEMO_USERS
    return "\n".join(
        (
            "",
            "Coursepay demo (development only: these passwords are public)",
            f"  Store     {site_url}/",
            f"            log in as {learner['email']} / {learner['password']}",
            f"  Admin     {site_url}/admin/",
            f"            log in as {admin['email']} / {admin['password']}",
            f"  API docs  {site_url}/api/docs/",
            "  Test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.",
            "  E-mails (receipts with their PDF) land in var/mail/.",
            "",
        )
    )


def gateway_label() -> str:
    return settings.STRIPE_API_BASE or "api.stripe.com"
