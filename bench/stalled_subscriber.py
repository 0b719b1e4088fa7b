"""One stalled subscriber among 200 healthy ones: what it costs them, against the same board without it.

A board has ``--healthy`` subscribed connections; ``--events`` ``task.created`` records reach the stream one
every ``--interval-ms``. As a shard's event source mapping does, one invocation at a time takes every
record the stream holds, runs ``streams.broadcaster.handler`` on them, and the next one starts when it
returns. Subscribers are read from the connections table (moto, in process); posts go to the local
``@connections`` endpoint (tests/unit/connections_endpoint.py) in a process of its own, which answers after
``--latency-ms`` and notes when each frame arrived. Three boards are measured in turn:

- no stalled subscriber;
- one more subscriber whose posts are never answered (a stuck path: each post waits out the read timeout);
- one more whose buffer is full: answered at once with 429 ``LimitExceededException``, as API Gateway
  answers for a client that stopped reading.

Each run checks that every healthy client got every event exactly once and in order, and prints, per
event, the latency until the last healthy client had it (from the moment the record reached the stream):
p50, p95 and max. Prints figures only; nothing is asserted about time.

Run: `.venv/bin/python bench/stalled_subscriber.py [--healthy 200] [--events 20] [--interval-ms 1000]`.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

# fanout.py puts lambdas/ and tests/unit/ on the path and sets a deployed function's environment, so it is
# imported before anything that needs either.
from fanout import connections_endpoint, task_created_record

# isort: split
import boto3
from connections_table import create_connections_table
from lambda_context import LambdaContextDouble
from moto import mock_aws

from corkboard.connections import ConnectionsRepository
from corkboard.observability import logger
from corkboard.services import store
from corkboard.table_design import ENV_CONNECTIONS_TABLE_NAME, ENV_WEBSOCKET_CALLBACK_URL
from streams.broadcaster import handler

BOARD_ID = "01BENCHBOARD00000000000000"
WARM_UP_BOARD_ID = "01BENCHWARMUP0000000000000"
STALLED = "stalled-subscriber"
# The events around which a stalled subscriber is found out and closed.
_SHOWN_FIRST = 4
SCENARIOS = {
    "no stalled subscriber": (),
    "+1 never answered": ("--stall", STALLED),
    "+1 with a full buffer (429)": ("--answer", f"{STALLED}=429"),
}


@dataclass(frozen=True)
class Figures:
    """Per event: seconds from the record reaching the stream to the last healthy client having it."""

    latencies: list[float]
    invocations: int
    stalled_closed: bool

    def line(self, name: str) -> str:
        p50, p95 = statistics.median(self.latencies), _percentile(self.latencies, 95)
        closed = "closed" if self.stalled_closed else "open"
        stalled = "" if name == "no stalled subscriber" else f"; the stalled one: {closed}"
        first = " ".join(f"{latency * 1000:.0f}" for latency in self.latencies[:_SHOWN_FIRST])
        return (
            f"  {name:<28} p50 {p50 * 1000:5.0f} ms  p95 {p95 * 1000:5.0f} ms  "
            f"max {max(self.latencies) * 1000:5.0f} ms  first {_SHOWN_FIRST}: {first} ms"
            f"  ({self.invocations} invocations{stalled})"
        )


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def run(options: tuple[str, ...], args: argparse.Namespace) -> Figures:
    """One board, one endpoint process, every event delivered as a shard would deliver it."""
    with mock_aws(), connections_endpoint(args.latency_ms, *options) as callback_url:
        os.environ[ENV_CONNECTIONS_TABLE_NAME] = create_connections_table(boto3.client("dynamodb"))
        os.environ[ENV_WEBSOCKET_CALLBACK_URL] = callback_url
        store.connections.cache_clear()
        store.management_api.cache_clear()
        connections = ConnectionsRepository()
        healthy = [f"healthy-{index:04d}" for index in range(args.healthy)]
        _subscribe(connections, WARM_UP_BOARD_ID, ["warm-up"])
        _deliver([task_created_record(WARM_UP_BOARD_ID, "warm-up")])
        _subscribe(connections, BOARD_ID, healthy + ([STALLED] if options else []))

        records = [task_created_record(BOARD_ID, f"event {n:04d}", n + 1) for n in range(args.events)]
        reached_stream, invocations = _stream(records, args.interval_ms / 1000)
        report = _report(callback_url)
    _check_every_event_once_in_order(report, healthy, records)
    latencies = [
        max(report["frames"][connection_id][n]["at"] for connection_id in healthy) - reached_stream[n]
        for n in range(len(records))
    ]
    return Figures(latencies, invocations, STALLED in report["closed"])


def _subscribe(connections: ConnectionsRepository, board_id: str, connection_ids: list[str]) -> None:
    for connection_id in connection_ids:
        connections.connect(connection_id, f"user-{connection_id}")
        connections.subscribe(connection_id, board_id)


def _deliver(records: list[dict[str, Any]]) -> None:
    response = handler({"Records": records}, LambdaContextDouble())
    if response != {"batchItemFailures": []}:
        raise SystemExit(f"A record failed, so the figures would mean nothing: {response}")


def _stream(records: list[dict[str, Any]], interval: float) -> tuple[list[float], int]:
    """Record n reaches the stream ``n * interval`` after the start; an invocation takes all that arrived."""
    start = time.time()
    reached = [start + n * interval for n in range(len(records))]
    delivered = invocations = 0
    while delivered < len(records):
        now = time.time()
        if now < reached[delivered]:
            time.sleep(reached[delivered] - now)
            continue
        available = sum(1 for moment in reached if moment <= now)
        _deliver(records[delivered:available])
        delivered, invocations = available, invocations + 1
    return reached, invocations


def _report(callback_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{callback_url}/@report", timeout=30) as response:  # noqa: S310 (loopback)
        return dict(json.load(response))


def _check_every_event_once_in_order(
    report: dict[str, Any], healthy: list[str], records: list[dict[str, Any]]
) -> None:
    expected = [record["dynamodb"]["NewImage"]["title"]["S"] for record in records]
    for connection_id in healthy:
        titles = [entry["frame"]["data"]["title"] for entry in report["frames"].get(connection_id, [])]
        if titles != expected:
            raise SystemExit(f"{connection_id} did not get every event once, in order: {titles}")


def main() -> None:
    # The broadcaster logs each connection it closes; the figures are what this prints.
    logger.setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--healthy", type=int, default=200, help="healthy subscribers")
    parser.add_argument("--events", type=int, default=20, help="task.created records")
    parser.add_argument("--interval-ms", type=float, default=1000.0, help="between two records")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="per-post latency of the endpoint")
    args = parser.parse_args()
    figures = {name: run(options, args) for name, options in SCENARIOS.items()}
    print(
        f"{args.events} events, one every {args.interval_ms:.0f} ms, to {args.healthy} healthy subscribers; "
        f"{args.latency_ms:.0f} ms per post (Python {sys.version.split()[0]})"
    )
    print("latency until the last healthy client has an event (every client got every event once, in order):")
    for name, result in figures.items():
        print(result.line(name))


if __name__ == "__main__":
    main()
