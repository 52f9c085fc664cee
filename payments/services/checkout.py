"""Buying a course through Stripe Checkout: hosted (the learner is sent to Stripe's page) or
embedded (Stripe's form mounted in ours).

The learner's one open payment for the course (`open_purchase`) is bought through one Checkout
Session, created on the learner's Customer for the catalog amount. A request asking for the same
session (mode and redirects) while it is open gets it back, with no Stripe call; any other
request retires it and opens a new payment and session. Redirect URLs a client names must be on
an allowed origin (`payments.redirects`); the settings give the defaults.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from courses.models import Course
from payments import selectors
from payments.errors import AlreadyEnrolled, PriceUnavailable
from payments.gateway import PaymentGateway
from payments.models import CheckoutSession, Payment, PaymentStatus
from payments.redirects import redirect_url_or_default
from payments.services.catalog import course_stripe_price_for_sale
from payments.services.checkout_sessions import (
    checkout_session_create,
    checkout_session_refresh_if_stale,
)
from payments.services.open_purchase import purchase_slot

HANDED_OUT_UNTIL = timedelta(minutes=10)
"""A session this close to its end is not handed out again: the learner could not finish."""


@dataclass(frozen=True)
class CheckoutStarted:
    session: CheckoutSession
    created: bool


@dataclass(frozen=True)
class _Redirects:
    success_url: str = ""
    cancel_url: str = ""
    return_url: str = ""


def checkout_start(
    *,
    learner: User,
    ui_mode: str,
    gateway: PaymentGateway,
    course_slug: str = "",
    price_id: str = "",
    success_url: str = "",
    cancel_url: str = "",
    return_url: str = "",
) -> CheckoutStarted:
    """Open (or hand out again) the learner's Checkout Session for a course, named by its slug
    or by its current Stripe Price id.

    Hosted sessions use `success_url` and `cancel_url`, embedded ones `return_url`; each is the
    client's if on an allowed origin (else `RedirectNotAllowed`), or the setting's default.
    Raises `AlreadyEnrolled` when the learner owns the course (or it was paid meanwhile),
    `CourseUnavailable` / `PriceUnavailable`, `PaymentNotFinished` while an earlier payment of the
    course is processing, and `GatewayUnavailable`.
    """
    slug = course_slug or _course_slug_for_price(price_id)
    redirects = _redirects(
        ui_mode, success_url=success_url, cancel_url=cancel_url, return_url=return_url
    )
    slot = purchase_slot(
        learner=learner,
        course_slug=slug,
        fits=lambda payment: _fits(payment, ui_mode=ui_mode, redirects=redirects, gateway=gateway),
        gateway=gateway,
        on_open=lambda payment: _session_row(payment, ui_mode=ui_mode, redirects=redirects),
    )
    if slot.payment.status == PaymentStatus.SUCCEEDED:
        raise AlreadyEnrolled()
    session = CheckoutSession.objects.select_related("payment__learner").get(payment=slot.payment)
    if not session.stripe_id:
        checkout_session_create(session=session, gateway=gateway)
        session.refresh_from_db()
    return CheckoutStarted(session=session, created=slot.created)


def _course_slug_for_price(price_id: str) -> str:
    course = selectors.course_for_sale_by_price(price_id=price_id)
    if course is None or not course_stripe_price_for_sale(course):
        raise PriceUnavailable(price_id)
    return course.slug


def _redirects(ui_mode: str, *, success_url: str, cancel_url: str, return_url: str) -> _Redirects:
    if ui_mode == CheckoutSession.UiMode.EMBEDDED:
        return _Redirects(
            return_url=redirect_url_or_default(
                return_url, name="return_url", default=settings.CHECKOUT_RETURN_URL, landing=True
            )
        )
    return _Redirects(
        success_url=redirect_url_or_default(
            success_url, name="success_url", default=settings.CHECKOUT_SUCCESS_URL, landing=True
        ),
        cancel_url=redirect_url_or_default(
            cancel_url, name="cancel_url", default=settings.CHECKOUT_CANCEL_URL, landing=False
        ),
    )


def _fits(
    payment: Payment, *, ui_mode: str, redirects: _Redirects, gateway: PaymentGateway
) -> bool:
    """Whether the open payment is bought through the very session this request asks for,
    still open (by Stripe's word, if we have heard nothing for a while) long enough to pay."""
    session = CheckoutSession.objects.filter(payment=payment).select_related("payment").first()
    if session is None:
        return False
    session = checkout_session_refresh_if_stale(session=session, gateway=gateway)
    if session.status not in (
        CheckoutSession.Status.NOT_CREATED,
        CheckoutSession.Status.OPEN,
    ):
        return False
    if session.expires_at and session.expires_at < timezone.now() + HANDED_OUT_UNTIL:
        return False
    asked = (ui_mode, redirects.success_url, redirects.cancel_url, redirects.return_url)
    kept = (session.ui_mode, session.success_url, session.cancel_url, session.return_url)
    return asked == kept


def _session_row(payment: Payment, *, ui_mode: str, redirects: _Redirects) -> CheckoutSession:
    course: Course = payment.bought_course
    return CheckoutSession.objects.create(
        payment=payment,
        ui_mode=ui_mode,
        success_url=redirects.success_url,
        cancel_url=redirects.cancel_url,
        return_url=redirects.return_url,
        stripe_price_id=course_stripe_price_for_sale(course),
    )
