"""Simple retrieves per second served by the Stripe sandbox on one core.

Starts `python -m stripe_sandbox` pinned to one CPU (Linux), creates a customer, then drives
N client processes, each with one keep-alive HTTP/1.1 connection doing
`GET /v1/customers/{id}` until the request budget or the time limit runs out. Prints
requests/s and the p50/p99 latency.

    .venv/bin/python bench/sandbox_throughput.py --clients 8 --requests 20000 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from http.client import HTTPConnection
from multiprocessing import Pool
from pathlib import Path

KEY = "sk_test_" + "benchmark" * 3
HEADERS = {"Authorization": f"Bearer {KEY}"}
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox_process(port: int, cpu: int | None) -> Iterator[None]:
    def pin() -> None:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port)],
        cwd=ROOT,
        preexec_fn=pin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/_sandbox/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def create_customer(port: int) -> str:
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        "/v1/customers",
        body="email=bench%40example.com",
        headers={**HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
    )
    return json.loads(connection.getresponse().read())["id"]


def client(arguments: tuple[int, str, int, float]) -> list[float]:
    """One keep-alive connection; answers the latency of each request, in seconds."""
    port, customer_id, budget, deadline = arguments
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    path = f"/v1/customers/{customer_id}"
    latencies: list[float] = []
    while len(latencies) < budget and time.time() < deadline:
        started = time.perf_counter()
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"unexpected status {response.status}")
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=20_000, help="total request budget")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin the sandbox to")
    arguments = parser.parse_args()

    port = free_port()
    with sandbox_process(port, arguments.cpu):
        customer_id = create_customer(port)
        share = arguments.requests // arguments.clients
        started = time.time()
        jobs = [(port, customer_id, share, started + arguments.seconds)] * arguments.clients
        with Pool(arguments.clients) as pool:
            per_client = pool.map(client, jobs)
        elapsed = time.time() - started

    latencies = sorted(latency for results in per_client for latency in results)
    percentiles = statistics.quantiles(latencies, n=100)
    print(
        f"clients={arguments.clients} requests={len(latencies)} seconds={elapsed:.2f} "
        f"requests/s={len(latencies) / elapsed:.0f} "
        f"p50={percentiles[49] * 1000:.2f}ms p99={percentiles[98] * 1000:.2f}ms"
    )


if __name__ == "__main__":
    main()
