"""Ephemeral keys for the mobile PaymentSheet."""

from __future__ import annotations

import pytest
import stripe


def test_an_ephemeral_key_for_a_customer(client) -> None:
    customer = client.v1.customers.create()

    key = client.v1.ephemeral_keys.create(
        {"customer": customer.id}, {"stripe_version": "2026-08-26.dahlia"}
    )

    assert key.object == "ephemeral_key"
    assert key.id.startswith("ephkey_")
    assert key.secret.startswith("ek_test_")
    assert key.expires > key.created
    assert key["associated_objects"][0].to_dict() == {"id": customer.id, "type": "customer"}


def test_stripe_version_is_required(client, raw) -> None:
    customer = client.v1.customers.create()

    response = raw("POST", "/v1/ephemeral_keys", body=f"customer={customer.id}")

    assert response.status == 400
    assert "Stripe-Version" in response.body["error"]["message"]


def test_an_unknown_customer_is_404(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.ephemeral_keys.create({"customer": "cus_nobody"})

    assert raised.value.http_status == 404


def test_deleting_expires_the_key(client) -> None:
    customer = client.v1.customers.create()
    key = client.v1.ephemeral_keys.create({"customer": customer.id})

    deleted = client.v1.ephemeral_keys.delete(key.id)

    assert deleted.expires <= key.expires


def test_the_mobile_sdks_version_is_honoured(client, raw) -> None:
    customer = client.v1.customers.create()

    response = raw(
        "POST",
        "/v1/ephemeral_keys",
        body=f"customer={customer.id}",
        headers={"Stripe-Version": "2023-10-16"},
    )

    assert response.status == 200
    assert response.headers["Stripe-Version"] == "2023-10-16"
    assert response.body["secret"].startswith("ek_test_")


@pytest.mark.parametrize("version", ["latest", "2023-13", "2023-10-16; drop table"])
def test_a_malformed_version_is_refused(client, raw, version) -> None:
    customer = client.v1.customers.create()

    response = raw(
        "POST",
        "/v1/ephemeral_keys",
        body=f"customer={customer.id}",
        headers={"Stripe-Version": version},
    )

    assert response.status == 400
    assert response.body["error"]["message"].startswith("Invalid Stripe API version")


def test_a_version_with_a_preview_flag_is_accepted(client, raw) -> None:
    customer = client.v1.customers.create()
    version = "2026-08-26.dahlia; custom_checkout_beta=v1"

    response = raw(
        "POST",
        "/v1/ephemeral_keys",
        body=f"customer={customer.id}",
        headers={"Stripe-Version": version},
    )

    assert (response.status, response.headers["Stripe-Version"]) == (200, version)
