"""The learner's pages: thin views over the services and selectors of payments and courses.

Every write is a POST behind CSRF and a login, calls one service, and ends with a message and a
redirect. Amounts come from the catalog, never from the page. Pages that follow a payment poll a
server-rendered fragment (`checkout_status`), so the answer shown is always the ledger's.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework.throttling import SimpleRateThrottle

from accounts.errors import EmailTaken, InvalidCredentials
from accounts.models import User
from accounts.services import user_authenticate, user_register
from config.errors import AppError
from courses.models import Course, Enrollment
from courses.selectors import course_list_for_sale, enrollment_list_for_user
from payments import selectors
from payments.errors import (
    AlreadyEnrolled,
    GatewayUnavailable,
    Guidance,
    PaymentDeclined,
    guidance_for,
)
from payments.gateway import get_gateway
from payments.models import CheckoutSession, Payment, PaymentStatus
from payments.redirects import redirect_url_allowed
from payments.services.checkout import checkout_start
from payments.services.checkout_sessions import (
    checkout_session_refresh,
    checkout_session_refresh_if_stale,
)
from payments.services.outcomes import payment_refresh, payment_refresh_if_stale
from payments.services.payment_methods import (
    saved_card_make_default,
    saved_card_remove,
    saved_card_setup_start,
)
from payments.services.purchase import payment_start
from store.forms import (
    CardPaymentForm,
    CheckoutForm,
    HistoryFilterForm,
    LogInForm,
    SignUpForm,
)

HISTORY_PAGE_SIZE = 10
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
SLUG = re.compile(r"[-A-Za-z0-9_]{1,50}")
PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
PAYABLE = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.FAILED)
API_ADVICE = frozenset({GatewayUnavailable().code})
"""Errors whose suggestion speaks to an API client (retry with the same Idempotency-Key)."""


def stripe_js_url() -> str:
    """The setting, else the sandbox's stand-in when the API is the sandbox, else Stripe's."""
    if settings.STRIPE_JS_URL:
        return str(settings.STRIPE_JS_URL)
    if settings.STRIPE_API_BASE:
        return settings.STRIPE_API_BASE.rstrip("/") + "/v3/"
    return "https://js.stripe.com/v3/"


def _stripe(**more: Any) -> dict[str, Any]:
    return {
        "stripe_js_url": stripe_js_url(),
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        **more,
    }


def _learner(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # behind login_required
    return user


def _owned_course_ids(request: HttpRequest) -> set[int]:
    if not request.user.is_authenticated:
        return set()
    enrollments = enrollment_list_for_user(user=_learner(request))
    return set(
        enrollments.filter(status=Enrollment.Status.ACTIVE).values_list("course_id", flat=True)
    )


def _refused(request: HttpRequest, error: AppError, course: Course) -> HttpResponse:
    """A service said no: say why (and what to do), and go where it can be done."""
    if isinstance(error, AlreadyEnrolled):
        messages.info(request, "You already own this course.")
        return redirect("store:my-courses")
    messages.error(request, _said(error))
    return redirect("store:course", slug=course.slug)


def _said(error: AppError) -> str:
    """The error's message and suggestion, for a person (not the API's Idempotency-Key advice)."""
    suggestion = "Try again in a few seconds." if error.code in API_ADVICE else error.suggestion
    return " ".join(part for part in (error.message, suggestion) if part)


def _course_for_sale(slug: str) -> Course:
    course = course_list_for_sale().filter(slug=slug).first()
    if course is None:
        raise Http404("No such course.")
    return course


# The catalog and a course ---------------------------------------------------------------------


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "store/catalog.html",
        {"courses": course_list_for_sale(), "owned": _owned_course_ids(request)},
    )


@require_GET
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course_for_sale(slug)
    cards = (
        selectors.saved_card_list_for_user(user=_learner(request))
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "store/course.html",
        {"course": course, "owned": course.pk in _owned_course_ids(request), "cards": cards},
    )


# Buying ---------------------------------------------------------------------------------------


def _absolute(request: HttpRequest, url: str) -> str:
    """`url` on the origin the learner browses, if Checkout may send them there, else "" (the
    service then uses the configured page)."""
    absolute = request.build_absolute_uri(url)
    return absolute if redirect_url_allowed(absolute) else ""


@login_required
@require_POST
def course_checkout(request: HttpRequest, slug: str) -> HttpResponse:
    """Buy through Stripe Checkout: hosted (off to Stripe's page) or embedded (on ours)."""
    course = _course_for_sale(slug)
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how to pay: on Stripe's page or on this page.")
        return redirect("store:course", slug=slug)
    ui_mode = form.cleaned_data["ui_mode"]
    landing = _absolute(request, reverse("store:checkout-return"))
    urls = (
        {"return_url": landing}
        if ui_mode == CheckoutSession.UiMode.EMBEDDED
        else {
            "success_url": landing,
            "cancel_url": _absolute(
                request, reverse("store:checkout-canceled") + "?" + urlencode({"course": slug})
            ),
        }
    )
    try:
        started = checkout_start(
            learner=_learner(request),
            course_slug=slug,
            ui_mode=ui_mode,
            gateway=get_gateway(),
            **urls,
        )
    except AppError as error:
        return _refused(request, error, course)
    session = started.session
    if ui_mode == CheckoutSession.UiMode.EMBEDDED:
        return redirect("store:checkout-embedded", session_id=session.stripe_id)
    return HttpResponseRedirect(session.url)


@login_required
@require_POST
def course_pay(request: HttpRequest, slug: str) -> HttpResponse:
    """Buy with a card: a saved one is charged at once; a new one is typed into the Payment
    Element on the next page."""
    course = _course_for_sale(slug)
    form = CardPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of your saved cards, or a new card.")
        return redirect("store:course", slug=slug)
    card = form.cleaned_data["payment_method"]
    try:
        started = payment_start(
            learner=_learner(request),
            course_slug=slug,
            payment_method=card,
            save_payment_method=form.cleaned_data["save_card"] and not card,
            gateway=get_gateway(),
        )
    except PaymentDeclined as declined:
        return _to_return_page(payment_id=str(declined.extra["payment"]))
    except AppError as error:
        return _refused(request, error, course)
    payment = started.payment
    if card or payment.status not in PAYABLE or not payment.client_secret:
        return _to_return_page(payment_id=str(payment.pk))
    return redirect("store:checkout-pay", payment_id=payment.pk)


def _to_return_page(**query: str) -> HttpResponse:
    return HttpResponseRedirect(reverse("store:checkout-return") + "?" + urlencode(query))


@never_cache
@login_required
@require_GET
def checkout_embedded(request: HttpRequest, session_id: str) -> HttpResponse:
    session = selectors.checkout_session_get_for_user(user=_learner(request), session_id=session_id)
    if session is None:
        raise Http404("No such checkout session.")
    if (
        session.ui_mode != CheckoutSession.UiMode.EMBEDDED
        or session.status != CheckoutSession.Status.OPEN
        or not session.client_secret
    ):
        return _to_return_page(session_id=session.stripe_id)
    return render(
        request,
        "store/checkout_embedded.html",
        _stripe(
            session=session,
            course=session.payment.course,
            status_url=_status_url(session_id=session.stripe_id, embedded="1"),
        ),
    )


@never_cache
@login_required
@require_GET
def checkout_pay(request: HttpRequest, payment_id: object) -> HttpResponse:
    """The Payment Element, confirming the payment's PaymentIntent with a new card."""
    payment = selectors.payment_get_for_user(user=_learner(request), payment_id=str(payment_id))
    if payment is None:
        raise Http404("No such payment.")
    if payment.status not in PAYABLE or not payment.client_secret:
        return _to_return_page(payment_id=str(payment.pk))
    return_url = request.build_absolute_uri(
        reverse("store:checkout-return") + "?" + urlencode({"payment_id": str(payment.pk)})
    )
    return render(
        request,
        "store/checkout_pay.html",
        _stripe(payment=payment, course=payment.course, return_url=return_url),
    )


@require_GET
def checkout_canceled(request: HttpRequest) -> HttpResponse:
    messages.info(request, "You left the checkout: nothing was charged.")
    slug = request.GET.get("course", "")
    if SLUG.fullmatch(slug) and course_list_for_sale().filter(slug=slug).exists():
        return redirect("store:course", slug=slug)
    return redirect("store:catalog")


# Following a payment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the learner is told about a payment: `state` is paid, processing, action, failed,
    canceled, or open (a Checkout Session not finished: `continue_url` goes back to it);
    `final` when it will not change by itself."""

    payment: Payment
    state: str
    final: bool
    guidance: Guidance | None = None
    ui_mode: str = ""
    continue_url: str = ""


def _outcome(payment: Payment, session: CheckoutSession | None) -> Outcome:
    ui_mode = session.ui_mode if session is not None else ""
    guidance = (
        guidance_for(code=payment.failure_code, decline_code=payment.decline_code)
        if payment.status == PaymentStatus.FAILED
        else None
    )
    if payment.status in PAID:
        return Outcome(payment, "paid", True, ui_mode=ui_mode)
    if session is not None and session.status == CheckoutSession.Status.OPEN:
        continue_url = (
            reverse("store:checkout-embedded", kwargs={"session_id": session.stripe_id})
            if ui_mode == CheckoutSession.UiMode.EMBEDDED
            else session.url
        )
        return Outcome(payment, "open", True, guidance, ui_mode, continue_url)
    if guidance is not None:
        return Outcome(payment, "failed", True, guidance, ui_mode=ui_mode)
    if payment.status == PaymentStatus.CANCELED:
        return Outcome(payment, "canceled", True, ui_mode=ui_mode)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        return Outcome(payment, "action", False, ui_mode=ui_mode)
    return Outcome(payment, "processing", False, ui_mode=ui_mode)


def _followed(request: HttpRequest, *, landing: bool) -> Outcome:
    """The learner's payment named by `session_id` (Checkout) or `payment_id`, 404 for anyone
    else's. A learner `landing` here from Stripe gets Stripe's word at once (the webhooks may
    still be on their way); the polls that follow ask Stripe only when news is overdue."""
    learner, gateway = _learner(request), get_gateway()
    session_id = request.GET.get("session_id", "")
    if session_id:
        session = (
            selectors.checkout_session_get_for_user(user=learner, session_id=session_id)
            if STRIPE_ID.fullmatch(session_id)
            else None
        )
        if session is None:
            raise Http404("No such checkout session.")
        refresh_session = checkout_session_refresh if landing else checkout_session_refresh_if_stale
        session = refresh_session(session=session, gateway=gateway)
        return _outcome(session.payment, session)
    payment = selectors.payment_get_for_user(
        user=learner, payment_id=request.GET.get("payment_id", "")
    )
    if payment is None or payment.course is None:  # the store sells courses only
        raise Http404("No such payment.")
    refresh_payment = payment_refresh if landing else payment_refresh_if_stale
    return _outcome(refresh_payment(payment=payment, gateway=gateway), None)


def _status_url(**query: str) -> str:
    return reverse("store:checkout-status") + "?" + urlencode(query)


def _status_context(request: HttpRequest, outcome: Outcome) -> dict[str, Any]:
    embedded = request.GET.get("embedded") == "1"
    query = {
        "session_id": request.GET.get("session_id", ""),
        "payment_id": request.GET.get("payment_id", ""),
    }
    # On the embedded page a decline is not the end: the learner tries again in the form.
    keeps_polling = not outcome.final or (embedded and outcome.state == "open")
    poll_query = {name: value for name, value in query.items() if value}
    if embedded:
        poll_query["embedded"] = "1"
    return {
        "outcome": outcome,
        "course": outcome.payment.bought_course,
        "embedded": embedded,
        "poll_url": _status_url(**poll_query) if keeps_polling else "",
    }


@never_cache
@login_required
@require_GET
def checkout_return(request: HttpRequest) -> HttpResponse:
    """Where Checkout and the Payment Element send the learner back: paid, processing, or
    what went wrong and what to do, followed live until it settles."""
    outcome = _followed(request, landing=True)
    if outcome.state == "paid":
        title = outcome.payment.bought_course.title
        messages.success(request, f"Payment received: {title} is yours.")
    return render(request, "store/checkout_return.html", _status_context(request, outcome))


@never_cache
@login_required
@require_GET
def checkout_status(request: HttpRequest) -> HttpResponse:
    """The fragment the return and embedded pages poll."""
    outcome = _followed(request, landing=False)
    return render(request, "store/_checkout_status.html", _status_context(request, outcome))


# The learner's account ------------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    """Where to go after logging in: a `next` on this site only (no open redirect), else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class SignInThrottle(SimpleRateThrottle):
    """Log-in and sign-up attempts per client IP, in the same bucket and at the same rate
    (`THROTTLE_AUTH_RATE`) as the API's `auth/login`, `auth/token` and `auth/register`."""

    scope = "auth"

    def get_rate(self) -> str:
        return str(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope])

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _too_many_attempts(request: HttpRequest) -> bool:
    throttle = SignInThrottle()  # reads only the request's META: Django's request will do
    if request.method != "POST" or throttle.allow_request(request, None):  # type: ignore[arg-type]
        return False
    messages.error(request, "Too many attempts from your network. Wait a minute, then try again.")
    return True


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("store:catalog")
    if _too_many_attempts(request):
        return render(request, "store/signup.html", {"form": SignUpForm()}, status=429)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except EmailTaken as taken:
            form.add_error("email", taken.message)
        except ValidationError as invalid:
            form.add_error("password", invalid.message_dict.get("password", invalid.messages))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(_next(request) or "store:catalog")
    if form.errors:
        messages.error(request, "Please correct the errors below.")
    return render(request, "store/signup.html", {"form": form, "next": _next(request)})


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("store:catalog")
    if _too_many_attempts(request):
        return render(request, "store/login.html", {"form": LogInForm()}, status=429)
    form = LogInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(request=request, **form.cleaned_data)
        except InvalidCredentials as invalid:
            form.add_error(None, invalid.message)
        else:
            login(request, user)
            messages.success(request, "You are logged in.")
            return redirect(_next(request) or "store:catalog")
    if form.errors:
        messages.error(request, "Please correct the errors below.")
    return render(request, "store/login.html", {"form": form, "next": _next(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("store:catalog")


@login_required
@require_GET
def my_courses(request: HttpRequest) -> HttpResponse:
    enrollments = enrollment_list_for_user(user=_learner(request))
    return render(request, "store/my_courses.html", {"enrollments": enrollments})


def _history_filtered(payments: Any, form: HistoryFilterForm) -> Any:
    data = form.cleaned_data
    if data["status"]:
        payments = payments.filter(status=data["status"])
    if data["created_from"]:
        payments = payments.filter(created__date__gte=data["created_from"])
    if data["created_to"] and data["created_to"] < date.max:
        payments = payments.filter(created__date__lt=data["created_to"] + timedelta(days=1))
    return payments


@login_required
@require_GET
def payment_history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET)
    payments = selectors.payment_list_for_user(user=_learner(request)).prefetch_related("refunds")
    if form.is_valid():
        payments = _history_filtered(payments, form)
    else:
        messages.error(request, "Some filters are not valid; they were ignored.")
    page = Paginator(payments, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(payment, _receipt_url(payment)) for payment in page]
    return render(request, "store/payments.html", {"form": form, "page": page, "rows": rows})


def _receipt_url(payment: Payment) -> str:
    """The receipt PDF's download link once it is rendered (the selector selects the receipt)."""
    receipt = payment._state.fields_cache.get("receipt")
    if receipt is None or not receipt.is_rendered:
        return ""
    return reverse("receipt-pdf", kwargs={"payment_id": str(payment.pk)})


@login_required
@require_GET
def cards(request: HttpRequest) -> HttpResponse:
    return render(request, "store/cards.html", _cards_context(request))


@login_required
@require_GET
def cards_list(request: HttpRequest) -> HttpResponse:
    """The list alone, which the cards page polls while a card it just saved is on its way."""
    return render(request, "store/_cards.html", _cards_context(request))


def _cards_context(request: HttpRequest) -> dict[str, Any]:
    saved = list(selectors.saved_card_list_for_user(user=_learner(request)))
    added = request.GET.get("added", "")
    if not STRIPE_ID.fullmatch(added):
        added = ""
    listed = any(card.stripe_id == added for card in saved)
    waiting = added if added and not listed else ""
    poll_url = reverse("store:cards-list") + "?" + urlencode({"added": waiting}) if waiting else ""
    return {"cards": saved, "waiting": waiting, "just_saved": listed, "poll_url": poll_url}


@never_cache
@login_required
@require_POST
def card_add(request: HttpRequest) -> HttpResponse:
    """Open a SetupIntent and show the card form that confirms it."""
    try:
        setup = saved_card_setup_start(learner=_learner(request), gateway=get_gateway())
    except AppError as error:
        messages.error(request, _said(error))
        return redirect("store:cards")
    return render(
        request,
        "store/card_add.html",
        _stripe(client_secret=setup.client_secret, cards_url=reverse("store:cards")),
    )


def _card_action(request: HttpRequest, card_id: str, done: str, action: Any) -> HttpResponse:
    try:
        action(learner=_learner(request), card_id=card_id, gateway=get_gateway())
    except AppError as error:
        messages.error(request, _said(error))
    else:
        messages.success(request, done)
    return redirect("store:cards")


@login_required
@require_POST
def card_make_default(request: HttpRequest, card_id: str) -> HttpResponse:
    return _card_action(request, card_id, "Default card changed.", saved_card_make_default)


@login_required
@require_POST
def card_remove(request: HttpRequest, card_id: str) -> HttpResponse:
    return _card_action(request, card_id, "Card removed.", saved_card_remove)
