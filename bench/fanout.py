"""Fan-out: one board event to 1,000 subscribed connections, through the broadcaster's real code.

The event is a real ``task.created`` stream record (the item image is what the repository writes) and runs
through ``streams.broadcaster.handler``: the subscribers are read from the connections table (moto, in
process) and each is posted to on the local ``@connections`` endpoint (tests/unit/connections_endpoint.py),
which answers after a fixed latency as the Management API would over the network. The endpoint runs in a
process of its own, so its work does not compete with the function's, as API Gateway's does not. The
handler runs with the default concurrency and with concurrency 1 (sequential posts); the best of a few runs
of each is compared. Prints figures only.

Run: `make bench` or `.venv/bin/python bench/fanout.py [--connections 1000] [--latency-ms 20]`.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "lambdas"), str(ROOT / "tests" / "unit")]

# What a deployed function has; set before Powertools and boto3 are imported. Credentials are moto's fakes.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)

import boto3  # noqa: E402
from connections_table import create_connections_table  # noqa: E402
from lambda_context import LambdaContextDouble  # noqa: E402
from moto import mock_aws  # noqa: E402

from corkboard.connections import ConnectionsRepository  # noqa: E402
from corkboard.models import Task  # noqa: E402
from corkboard.repository import TABLE_SCHEMA  # noqa: E402
from corkboard.services import store  # noqa: E402
from corkboard.settings import DEFAULT_FANOUT_CONCURRENCY  # noqa: E402
from corkboard.table_design import (  # noqa: E402
    ENV_CONNECTIONS_TABLE_NAME,
    ENV_FANOUT_CONCURRENCY,
    ENV_WEBSOCKET_CALLBACK_URL,
    PARTITION_KEY,
    SORT_KEY,
)
from dynamo_odm.serialization import dump_item  # noqa: E402
from streams.broadcaster import handler  # noqa: E402

BOARD_ID = "01BENCHBOARD00000000000000"


def task_created_record(board_id: str, title: str = "Benchmark", sequence: int = 1) -> dict[str, Any]:
    """A ``task.created`` record as Lambda delivers it, with the image the repository would have written."""
    image = dump_item(Task(board_id=board_id, title=title, version=1), TABLE_SCHEMA)
    keys = {name: image[name] for name in (PARTITION_KEY, SORT_KEY)}
    return {
        "eventID": str(sequence),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": str(100000000000000000000 + sequence),
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def stream_event(board_id: str) -> dict[str, Any]:
    """One invocation's event: a single ``task.created`` record."""
    return {"Records": [task_created_record(board_id)]}


@contextmanager
def concurrency(workers: int) -> Iterator[None]:
    os.environ[ENV_FANOUT_CONCURRENCY] = str(workers)
    store.management_api.cache_clear()  # its connection pool is sized from the concurrency
    yield
    store.management_api.cache_clear()


@contextmanager
def connections_endpoint(latency_ms: float, *options: str) -> Iterator[str]:
    """The local @connections endpoint in its own process (``options`` are its flags); yields its URL."""
    script = ROOT / "tests" / "unit" / "connections_endpoint.py"
    command = [sys.executable, str(script), "--latency-ms", str(latency_ms), *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            yield server.stdout.readline().strip() if server.stdout else ""
        finally:
            server.terminate()


def best_wall_time(event: dict[str, Any], runs: int) -> float:
    """The fastest of ``runs`` handler runs; every run must post to every subscriber without a failure."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        response = handler(event, LambdaContextDouble())
        elapsed = time.perf_counter() - started
        if response != {"batchItemFailures": []}:
            raise SystemExit(f"A post failed, so the figures would mean nothing: {response}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per-post latency of the endpoint")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_FANOUT_CONCURRENCY)
    parser.add_argument("--runs", type=int, default=3, help="runs of the concurrent case; best is kept")
    args = parser.parse_args()
    with mock_aws(), connections_endpoint(args.latency_ms) as callback_url:
        os.environ[ENV_CONNECTIONS_TABLE_NAME] = create_connections_table(boto3.client("dynamodb"))
        os.environ[ENV_WEBSOCKET_CALLBACK_URL] = callback_url
        connections = ConnectionsRepository()
        for index in range(args.connections):
            connections.connect(f"bench-{index:05d}", f"user-{index % 50}")
            connections.subscribe(f"bench-{index:05d}", BOARD_ID)
        event = stream_event(BOARD_ID)

        started = time.perf_counter()
        subscribers = len(connections.subscribers_of(BOARD_ID))
        reading = time.perf_counter() - started
        if subscribers != args.connections:
            raise SystemExit(f"Only {subscribers} of {args.connections} connections are subscribed.")
        with concurrency(args.concurrency):
            concurrent = best_wall_time(event, args.runs)
        with concurrency(1):
            sequential = best_wall_time(event, 1)

    print(
        f"fan-out of one event to {args.connections} connections, {args.latency_ms:.0f} ms per post "
        f"(Python {sys.version.split()[0]})"
    )
    print(f"  concurrency {args.concurrency:<4} {concurrent * 1000:8.0f} ms   (best of {args.runs})")
    print(f"  concurrency 1    {sequential * 1000:8.0f} ms")
    under_a_second = "yes" if concurrent < 1 else "no"
    print(f"  speed-up: {sequential / concurrent:.1f}x (goal >= 10x); under 1 s: {under_a_second}")
    print(f"  of each run, reading the subscribers from moto: {reading * 1000:.0f} ms")


if __name__ == "__main__":
    main()
