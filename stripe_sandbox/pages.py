"""Pages a browser uses: the hosted Checkout page, the 3-D Secure challenge, and `GET /v3/`,
the stripe.js stand-in that merchant pages load in place of https://js.stripe.com/v3/.

The pages hold no logic of their own: their script (`web/stripe.js`) reads and writes through
the control API, so a browser, a test and a demo all move a session the same way.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

from stripe_sandbox import currencies, errors
from stripe_sandbox.routing import Call, Page, Router

router = Router()

WEB = Path(__file__).parent / "web"


@functools.cache
def _asset(name: str) -> str:
    return (WEB / name).read_text(encoding="utf-8")


def _document(title: str, body: str) -> Page:
    return Page(
        _asset("page.html").replace("{{title}}", html.escape(title)).replace("{{body}}", body)
    )


def _boot(function: str, argument: object) -> str:
    """A script tag loading the stand-in and calling one of its page entry points."""
    return (
        '<script src="/v3/"></script>'
        f"<script>StripeSandbox.{function}({json.dumps(argument)});</script>"
    )


@router.page("/v3/")
def stripe_js(call: Call) -> Page:
    script = (
        _asset("stripe.js")
        .replace("__SANDBOX_ORIGIN__", call.base_url)
        .replace('"__CURRENCY_DECIMALS__"', json.dumps(currencies.decimals_table()))
    )
    return Page(script, content_type="application/javascript; charset=utf-8")


@router.page("/v3")
def stripe_js_without_slash(call: Call) -> Page:
    return stripe_js(call)


@router.page("/c/pay/{id}")
def hosted_checkout(call: Call) -> Page:
    session = call.store.find(call.path["id"])
    if session is None or session.get("object") != "checkout.session":
        raise errors.resource_missing("checkout.session", call.path["id"])
    return _document(
        "Checkout", '<main id="checkout"></main>' + _boot("hostedCheckout", session["id"])
    )


@router.page("/_sandbox/payment_intents/{id}/authenticate")
def authenticate_payment(call: Call) -> Page:
    """The 3-D Secure challenge a `redirect_to_url` (or stripe.js) sends the cardholder to."""
    return _challenge(call, "payment_intent")


@router.page("/_sandbox/setup_intents/{id}/authenticate")
def authenticate_setup(call: Call) -> Page:
    return _challenge(call, "setup_intent")


def _challenge(call: Call, object_name: str) -> Page:
    """Approve / Fail, then back to the `return_url` the confirmation named (with Stripe's
    `<object>`, `<object>_client_secret` and `redirect_status` query parameters), or, inside
    stripe.js's overlay (`?frame=1`), a message to the page that opened it."""
    intent = call.store.get(object_name, call.path["id"])
    redirect = (intent.get("next_action") or {}).get("redirect_to_url") or {}
    return _document(
        "3-D Secure",
        '<main id="challenge"></main>'
        + _boot(
            "challenge",
            {
                "kind": object_name + "s",
                "id": intent["id"],
                "return_url": call.params.get("return_url") or redirect.get("return_url"),
                "in_frame": call.params.get("frame") == "1",
            },
        ),
    )
