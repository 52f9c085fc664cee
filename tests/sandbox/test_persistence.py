"""`--data PATH`: state survives a restart."""

import json

import stripe

from stripe_sandbox.testing import TEST_SECRET_KEY, running_sandbox


def sdk(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": url})


def test_objects_and_the_account_survive_a_restart(tmp_path) -> None:
    data = tmp_path / "sandbox.json"
    with running_sandbox(data_path=data) as first:
        customer = sdk(first.url).v1.customers.create({"email": "kept@example.com"})
        account_id = sdk(first.url).v1.accounts.retrieve_current().id

    with running_sandbox(data_path=data) as second:
        client = sdk(second.url)
        assert client.v1.customers.retrieve(customer.id).email == "kept@example.com"
        assert client.v1.accounts.retrieve_current().id == account_id


def test_the_state_file_is_json(tmp_path) -> None:
    data = tmp_path / "sandbox.json"
    with running_sandbox(data_path=data) as running:
        sdk(running.url).v1.products.create({"name": "Saved"})

    saved = json.loads(data.read_text())

    assert [o["name"] for o in saved["objects"].values() if o["object"] == "product"] == ["Saved"]
