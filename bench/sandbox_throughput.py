"""The Stripe sandbox's throughput: simple retrieves on one core, and creates as state grows.

Retrieves (the default): starts `python -m stripe_sandbox` pinned to one CPU (Linux), creates a
customer, then drives N client processes, each with one keep-alive HTTP/1.1 connection doing
`GET /v1/customers/{id}` until the request budget or the time limit runs out. Prints
requests/s and the p50/p99 latency.

    .venv/bin/python bench/sandbox_throughput.py --clients 8 --requests 20000 --seconds 20

Growth (`--growth`): the sandbox persisting its state (`--data`, as `make run` starts it),
pinned to one CPU. 4 clients create `--creates` customers (`POST /v1/customers`) once 3,000
customers are stored, then again once 30,000 are (filled by the same clients, through the same
API), and the run prints both rates and their ratio (the target: at least 0.9).

    .venv/bin/python bench/sandbox_throughput.py --growth --clients 4 --creates 3000
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from http.client import HTTPConnection
from multiprocessing import Pool
from multiprocessing.pool import Pool as ProcessPool
from pathlib import Path

KEY = "sk_test_" + "benchmark" * 3
HEADERS = {"Authorization": f"Bearer {KEY}"}
FORM = {**HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
ROOT = Path(__file__).resolve().parents[1]
GROWTH_SIZES = (3_000, 30_000)


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox_process(port: int, cpu: int | None, extra: Sequence[str] = ()) -> Iterator[None]:
    def pin() -> None:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port), *extra],
        cwd=ROOT,
        preexec_fn=pin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
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
        process.wait(timeout=60)


def create_customer(port: int) -> str:
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/v1/customers", body="email=bench%40example.com", headers=FORM)
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


def creator(arguments: tuple[int, int, float]) -> list[float]:
    """One keep-alive connection creating customers until `budget` or the deadline."""
    port, budget, deadline = arguments
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    while len(latencies) < budget and time.time() < deadline:
        started = time.perf_counter()
        body = f"email=grow{len(latencies)}%40example.com&metadata[bench]=growth"
        connection.request("POST", "/v1/customers", body=body, headers=FORM)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"unexpected status {response.status}")
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def drive(
    pool: ProcessPool, port: int, clients: int, *, budget: int, seconds: float
) -> tuple[int, float]:
    """Customers created by `clients` connections, and the seconds it took."""
    started = time.time()
    share = -(-budget // clients)
    per_client = pool.map(creator, [(port, share, started + seconds)] * clients)
    return sum(len(latencies) for latencies in per_client), time.time() - started


def growth(arguments: argparse.Namespace) -> None:
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as directory,
        sandbox_process(port, arguments.cpu, ["--data", str(Path(directory) / "state")]),
        Pool(arguments.clients) as pool,
    ):
        stored = 0  # a fresh state: every customer stored is one created here
        rates = []
        for size in GROWTH_SIZES:
            if size > stored:
                filled, _ = drive(pool, port, arguments.clients, budget=size - stored, seconds=3600)
                stored += filled
            created, elapsed = drive(
                pool, port, arguments.clients, budget=arguments.creates, seconds=3600
            )
            rates.append(created / elapsed)
            print(
                f"stored={stored} clients={arguments.clients} created={created} "
                f"seconds={elapsed:.2f} creates/s={created / elapsed:.0f}",
                flush=True,
            )
            stored += created
    print(f"ratio {GROWTH_SIZES[1]:,} / {GROWTH_SIZES[0]:,} stored: {rates[1] / rates[0]:.2f}")


def retrieves(arguments: argparse.Namespace) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=20_000, help="total request budget")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per measurement")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin the sandbox to")
    parser.add_argument(
        "--growth", action="store_true", help="creates at 3,000 then 30,000 stored, with --data"
    )
    parser.add_argument("--creates", type=int, default=3_000, help="creates measured (growth)")
    arguments = parser.parse_args()
    if arguments.growth:
        growth(arguments)
    else:
        retrieves(arguments)


if __name__ == "__main__":
    main()
