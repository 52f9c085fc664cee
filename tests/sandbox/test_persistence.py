"""`--data PATH`: state survives a restart, and a kill costs at most the last moments."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import stripe

from stripe_sandbox.testing import TEST_SECRET_KEY, running_sandbox

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_state_file_is_a_sqlite_database_of_json_objects(tmp_path) -> None:
    data = tmp_path / "sandbox.sqlite3"
    with running_sandbox(data_path=data) as running:
        sdk(running.url).v1.products.create({"name": "Saved"})

    with closing(sqlite3.connect(data)) as db:
        bodies = db.execute("SELECT body FROM objects WHERE type = 'product'").fetchall()

    assert [json.loads(body)["name"] for (body,) in bodies] == ["Saved"]


def test_changes_made_in_place_survive_a_restart(tmp_path) -> None:
    data = tmp_path / "state"
    with running_sandbox(data_path=data) as first:
        client = sdk(first.url)
        customer = client.v1.customers.create({"email": "before@example.com"})
        client.v1.customers.update(customer.id, {"email": "after@example.com"})
        intent = client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "customer": customer.id}
        )
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
        doomed = client.v1.customers.create()
        client.v1.customers.delete(doomed.id)

    with running_sandbox(data_path=data) as second:
        client = sdk(second.url)
        assert client.v1.customers.retrieve(customer.id).email == "after@example.com"
        assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
        assert client.v1.customers.retrieve(doomed.id).deleted is True
        assert [c.id for c in client.v1.customers.list().data] == [customer.id]


def test_list_order_continues_across_restarts(tmp_path) -> None:
    data = tmp_path / "state"
    with running_sandbox(data_path=data) as first:
        older = [sdk(first.url).v1.customers.create().id for _ in range(3)]

    with running_sandbox(data_path=data) as second:
        newer = sdk(second.url).v1.customers.create().id
        listed = [c.id for c in sdk(second.url).v1.customers.list().data]

    assert listed == [newer, *reversed(older)]


def test_a_reset_is_saved_too(tmp_path) -> None:
    data = tmp_path / "state"
    with running_sandbox(data_path=data) as first:
        sdk(first.url).v1.customers.create()
        first.control("POST", "/_sandbox/reset", {})
        kept = sdk(first.url).v1.customers.create().id

    with running_sandbox(data_path=data) as second:
        assert [c.id for c in sdk(second.url).v1.customers.list().data] == [kept]


def test_what_the_sandbox_did_by_itself_is_saved(tmp_path) -> None:
    """A dispute opened on the timer thread, a delivery acknowledged on a webhook thread."""
    data = tmp_path / "state"
    with running_sandbox(data_path=data) as first:
        client = sdk(first.url)
        client.v1.payment_intents.create(
            {
                "amount": 1000,
                "currency": "usd",
                "payment_method": "pm_card_createDispute",
                "confirm": True,
            }
        )
        first.control("POST", "/_sandbox/clock/advance", {"seconds": 5})
        deadline = time.monotonic() + 5
        while not client.v1.disputes.list().data and time.monotonic() < deadline:
            time.sleep(0.02)

    with running_sandbox(data_path=data) as second:
        [dispute] = sdk(second.url).v1.disputes.list().data
        assert dispute.status == "needs_response"


def test_a_json_snapshot_of_an_older_sandbox_is_converted(tmp_path) -> None:
    data = tmp_path / "sandbox.json"
    customer = {"id": "cus_Old1", "object": "customer", "email": "old@example.com"}
    gone = {"id": "cus_Gone", "object": "customer", "deleted": True}
    data.write_text(
        json.dumps(
            {
                "account_id": "acct_Old",
                "objects": {"cus_Old1": customer, "cus_Gone": gone},
                "order": {"customer": ["cus_Old1"]},
            }
        )
    )

    with running_sandbox(data_path=data) as running:
        health = running.control("GET", "/_sandbox/health")
        listed = running.control("GET", "/_sandbox/health")["objects"]

    assert health["account"] == "acct_Old"
    assert listed["customer"] == 1
    assert data.read_bytes().startswith(b"SQLite format 3")


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox_process(data: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m stripe_sandbox --data` in its own process, as `make run` starts it."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--data", str(data)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with closing(socket.create_connection(("127.0.0.1", port), timeout=1)):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _create_until_killed(data: Path) -> set[str]:
    """Customers created by two clients until the sandbox is killed mid-stream, 2 s in;
    those acknowledged more than a second before the kill."""
    acknowledged: list[tuple[str, float]] = []
    stop = threading.Event()
    with sandbox_process(data) as (url, process):
        client = stripe.StripeClient(
            TEST_SECRET_KEY, base_addresses={"api": url}, max_network_retries=0
        )

        def create() -> None:
            while not stop.is_set():
                try:
                    customer = client.v1.customers.create({"metadata": {"n": "1"}})
                except stripe.APIConnectionError:
                    return
                acknowledged.append((customer.id, time.monotonic()))

        writers = [threading.Thread(target=create) for _ in range(2)]
        for writer in writers:
            writer.start()
        time.sleep(2.0)
        process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
    return {customer_id for customer_id, at in acknowledged if at < killed_at - 1.0}


def test_a_killed_sandbox_loses_at_most_the_last_moment_and_never_its_file(tmp_path) -> None:
    data = tmp_path / "state"

    settled = _create_until_killed(data) | _create_until_killed(data)

    with closing(sqlite3.connect(data)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with sandbox_process(data) as (url, _):
        client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": url})
        kept = {customer.id for customer in client.v1.customers.list().auto_paging_iter()}
    assert len(settled) > 20
    assert settled <= kept
