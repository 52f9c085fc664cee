"""The platform account: the one account every key of the sandbox belongs to."""

from __future__ import annotations

import stripe
from stripe.params import AccountListParams, AccountRetrieveCurrentParams, AccountRetrieveParams

from stripe_sandbox import errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import paginate
from stripe_sandbox.routing import Call, JsonObject, Router

ACCOUNT = Resource(stripe.Account, "acct_", 16)
router = Router((ACCOUNT,))

DISPLAY_NAME = "Coursepay Sandbox"


def platform_account(call: Call) -> JsonObject:
    """The platform account, created on first use (and again after a reset)."""
    store = call.store
    account = store.find(store.account_id)
    if account is None:
        account = store.add(_new_account(store.account_id, call.now()))
    return account


def _new_account(account_id: str, created: int) -> JsonObject:
    settings = shapes.nested(
        stripe.Account.Settings,
        branding=shapes.nested(stripe.Account.Settings.Branding),
        dashboard=shapes.nested(
            stripe.Account.Settings.Dashboard, display_name=DISPLAY_NAME, timezone="Etc/UTC"
        ),
    )
    return ACCOUNT.build(
        id=account_id,
        business_profile=shapes.nested(stripe.Account.BusinessProfile, name=DISPLAY_NAME),
        business_type="company",
        capabilities=shapes.nested(
            stripe.Account.Capabilities, card_payments="active", transfers="active"
        ),
        charges_enabled=True,
        controller=shapes.nested(stripe.Account.Controller, type="account"),
        country="US",
        created=created,
        default_currency="usd",
        details_submitted=True,
        email="sandbox@coursepay.invalid",
        external_accounts=shapes.list_object(f"/v1/accounts/{account_id}/external_accounts"),
        metadata={},
        payouts_enabled=True,
        settings=settings,
        type="standard",
    )


@router.get("/v1/account", AccountRetrieveCurrentParams)
def retrieve_current(call: Call) -> JsonObject:
    return platform_account(call)


@router.get("/v1/accounts", AccountListParams)
def list_accounts(call: Call) -> JsonObject:
    return paginate(call, [platform_account(call)], "/v1/accounts")


@router.get("/v1/accounts/{id}", AccountRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    account = platform_account(call)
    if call.path["id"] != account["id"]:
        raise errors.resource_missing("account", call.path["id"])
    return account
