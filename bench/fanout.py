"""Fan-out: one board event to many subscribed connections, through the broadcaster's and senders' code.

The event is a real ``task.created`` stream record (the item image is what the repository writes). The
subscribers are in the connections table (moto, in process), and every post goes to the local
``@connections`` endpoint (tests/unit/connections_endpoint.py), which answers after a fixed latency as the
Management API would over the network; it runs in a process of its own, so its work does not compete with
the functions', as API Gateway's does not. For each number of connections the bench prints two paths:

- **direct**: ``streams.broadcaster.handler`` reads the subscribers and posts to every one of them itself
  (``FANOUT_QUEUE_URL`` unset; dev), at the default concurrency, best of ``--runs``; and with concurrency 1
  (sequential posts) for up to 1,000 connections.
- **sharded**: with ``FANOUT_QUEUE_URL`` set (prod), the broadcaster reads one bounded page of subscriber
  ids (a keys-only Query of at most 1,001 keys, ``LISTED_SUBSCRIBERS`` + 1) and queues messages on a FIFO
  queue (moto) that each name a range of the board's key lanes: the occupied message lanes of a board of up
  to 1,000 (16 for 1,000), one per key lane (64) for a larger one. Then ``streams.sender.handler`` runs once
  per message, as the event source mapping invokes it (one message each): each reads its lanes'
  subscribers with one consistent Query of a key range and posts to them. In AWS the senders run in
  parallel, each in its own execution environment, so the simulated end-to-end time is the broadcaster's
  time plus the slowest sender's. Not included: SQS's hand-over from the queue to a sender (tens of
  milliseconds when Lambda's pollers are warm). The senders' deliveries are counted: every subscriber must
  have been posted to once, or the bench stops.

Both paths include moto's own work: it answers in this process, and walks a board's whole partition for any
Query of it (a Query selecting 100 of 10,000 items still costs it some 180 ms), where DynamoDB answers from
the key range alone. So each figure is followed by the part of it that moto spent answering the function's
AWS calls (measured, by timing moto's request handler), and ``--breakdown`` times moto's reads on their own:
the whole board (direct), the broadcaster's page of ids, and one key lane (a sender of a large board).
Prints figures only.

Run: `make bench` or `.venv/bin/python bench/fanout.py [--connections 1000 10000] [--latency-ms 20]`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

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
from moto.core.botocore_stubber import BotocoreStubber  # noqa: E402

from corkboard.connections import (  # noqa: E402
    CONNECTIONS_SCHEMA,
    Connection,
    ConnectionsRepository,
    Subscriber,
    Subscription,
)
from corkboard.fanout import FanoutReport  # noqa: E402
from corkboard.fanout_queue import LISTED_SUBSCRIBERS, FanoutBatch  # noqa: E402
from corkboard.models import Task  # noqa: E402
from corkboard.repository import TABLE_SCHEMA  # noqa: E402
from corkboard.services import deliveries, store  # noqa: E402
from corkboard.settings import DEFAULT_FANOUT_CONCURRENCY  # noqa: E402
from corkboard.subscriber_lanes import LaneRange  # noqa: E402
from corkboard.table_design import (  # noqa: E402
    ENV_CONNECTIONS_TABLE_NAME,
    ENV_FANOUT_CONCURRENCY,
    ENV_FANOUT_QUEUE_URL,
    ENV_WEBSOCKET_CALLBACK_URL,
    PARTITION_KEY,
    SORT_KEY,
)
from corkboard.timestamps import utc_now  # noqa: E402
from dynamo_odm import Table  # noqa: E402
from dynamo_odm.serialization import dump_item  # noqa: E402
from streams.broadcaster import handler as broadcaster  # noqa: E402
from streams.sender import handler as sender  # noqa: E402

BOARD_ID = "01BENCHBOARD00000000000000"
NO_FAILURES = {"batchItemFailures": []}
# Sequential posts past this many would take minutes and tell nothing new (about one round trip each).
SEQUENTIAL_LIMIT = 1000


class MotoClock:
    """Adds up the time moto spends answering AWS calls (its in-process request handler), from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = BotocoreStubber.__call__
        clock = self

        def timed(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(stubber, event_name, request, **kwargs)
            finally:
                with clock._lock:
                    clock.seconds += time.perf_counter() - started

        with patch.object(BotocoreStubber, "__call__", timed):
            yield

    def timed(self, call: Callable[[], Any]) -> tuple[Any, float, float]:
        """``call()``'s result, its wall time, and how much of it moto spent answering."""
        before = self.seconds
        started = time.perf_counter()
        result = call()
        return result, time.perf_counter() - started, self.seconds - before


MOTO = MotoClock()


class DeliveryCount:
    """Adds up the posts the senders' ``deliveries.deliver`` calls delivered: a run must reach everyone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.delivered = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = deliveries.deliver

        def counted(batch: FanoutBatch) -> FanoutReport:
            report = original(batch)
            with self._lock:
                self.delivered += len(report.delivered)
            return report

        with patch.object(deliveries, "deliver", counted):
            yield


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


def stream_event(board_id: str, sequence: int = 1) -> dict[str, Any]:
    """One invocation's event: a single ``task.created`` record."""
    return {"Records": [task_created_record(board_id, sequence=sequence)]}


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


def seed_subscribers(table_name: str, count: int) -> None:
    """``count`` open connections subscribed to the board, written as ``subscribe`` writes them (in bulk)."""
    table = Table(table_name, CONNECTIONS_SCHEMA)
    expires_at = utc_now() + timedelta(hours=2)
    for start in range(0, count, 1000):
        ids = [f"bench-{index:05d}" for index in range(start, min(count, start + 1000))]
        users = {cid: f"user-{index % 50}" for index, cid in enumerate(ids)}
        table.batch_save([Connection(connection_id=c, user_id=users[c], expires_at=expires_at) for c in ids])
        table.batch_save(
            [
                Subscriber(board_id=BOARD_ID, connection_id=c, user_id=users[c], expires_at=expires_at)
                for c in ids
            ]
        )
        table.batch_save(
            [Subscription(connection_id=c, board_id=BOARD_ID, expires_at=expires_at) for c in ids]
        )


def best_wall_time(event: dict[str, Any], runs: int) -> tuple[float, float]:
    """The fastest of ``runs`` broadcaster runs and moto's part of it; no post may fail."""
    best = (float("inf"), 0.0)
    for _ in range(runs):
        response, elapsed, in_moto = MOTO.timed(lambda: broadcaster(event, LambdaContextDouble()))
        if response != NO_FAILURES:
            raise SystemExit(f"A post failed, so the figures would mean nothing: {response}")
        best = min(best, (elapsed, in_moto))
    return best


@dataclass(frozen=True)
class ShardedRun:
    """Wall times of the broadcaster and of each sender, each with moto's part of it."""

    broadcaster: tuple[float, float]
    senders: list[tuple[float, float]]

    @property
    def slowest_sender(self) -> tuple[float, float]:
        return max(self.senders)

    @property
    def end_to_end(self) -> float:
        return self.broadcaster[0] + self.slowest_sender[0]

    @property
    def in_moto(self) -> float:
        return self.broadcaster[1] + self.slowest_sender[1]


def sharded_run(event: dict[str, Any], queue_url: str, connections: int) -> ShardedRun:
    """The broadcaster queues the batches; then each batch is one sender invocation, timed on its own."""
    sqs = boto3.client("sqs")
    response, broadcasting, broadcasting_in_moto = MOTO.timed(
        lambda: broadcaster(event, LambdaContextDouble())
    )
    if response != NO_FAILURES:
        raise SystemExit("The broadcaster failed to queue the event.")
    records = _receive_all(sqs, queue_url)
    sending = []
    delivery_count = DeliveryCount()
    with delivery_count.installed():
        for record in records:
            response, wall, in_moto = MOTO.timed(
                lambda record=record: sender({"Records": [record]}, LambdaContextDouble())
            )
            sending.append((wall, in_moto))
            if response != NO_FAILURES:
                raise SystemExit(f"A batch failed, so the figures would mean nothing: {response}")
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    if delivery_count.delivered != connections:
        raise SystemExit(f"The senders posted to {delivery_count.delivered} connections, not {connections}.")
    return ShardedRun((broadcasting, broadcasting_in_moto), sending)


def _receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every queued batch as the mapping hands it to a sender (FIFO: each group's first, then the next)."""
    records: list[dict[str, Any]] = []
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], VisibilityTimeout=600
    ).get("Messages", []):
        records.extend(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-fanout.fifo",
                "awsRegion": "us-east-1",
            }
            for m in messages
        )
    return records


def fifo_queue() -> str:
    sqs = boto3.client("sqs")
    return sqs.create_queue(
        QueueName=f"bench-fanout-{time.time_ns()}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]


def read_times(table_name: str) -> tuple[float, float, float]:
    """How long moto takes to answer the reads: all subscribers (direct); the broadcaster's page of ids and
    one key lane's subscribers (sharded)."""
    connections = ConnectionsRepository(table_name)
    marks = [time.perf_counter()]
    for read in (
        lambda: connections.subscribers_of(BOARD_ID),
        lambda: connections.subscriber_ids_of(BOARD_ID, at_most=LISTED_SUBSCRIBERS),
        lambda: connections.subscribers_in_lanes(BOARD_ID, LaneRange(0, 0)),
    ):
        read()
        marks.append(time.perf_counter())
    return marks[1] - marks[0], marks[2] - marks[1], marks[3] - marks[2]


def measure(count: int, args: argparse.Namespace, callback_url: str) -> None:
    os.environ.pop(ENV_FANOUT_QUEUE_URL, None)
    os.environ[ENV_CONNECTIONS_TABLE_NAME] = create_connections_table(
        boto3.client("dynamodb"), name=f"bench-connections-{count}"
    )
    os.environ[ENV_WEBSOCKET_CALLBACK_URL] = callback_url
    store.connections.cache_clear()
    seed_subscribers(os.environ[ENV_CONNECTIONS_TABLE_NAME], count)
    if len(ConnectionsRepository().subscriber_ids_of(BOARD_ID, at_most=count) or ()) != count:
        raise SystemExit(f"Not exactly {count} connections are subscribed.")

    print(f"fan-out of one event to {count:,} connections, {args.latency_ms:.0f} ms per post")
    with concurrency(args.concurrency):
        direct, direct_in_moto = best_wall_time(stream_event(BOARD_ID), args.runs)
    print(
        f"  direct, concurrency {args.concurrency:<3}   {direct * 1000:8.0f} ms   "
        f"(one function, best of {args.runs}; moto answering: {direct_in_moto * 1000:.0f} ms)"
    )
    if count <= SEQUENTIAL_LIMIT:
        with concurrency(1):
            sequential, _ = best_wall_time(stream_event(BOARD_ID), 1)
        print(
            f"  direct, concurrency 1     {sequential * 1000:8.0f} ms   (speed-up {sequential / direct:.1f}x)"
        )

    os.environ[ENV_FANOUT_QUEUE_URL] = fifo_queue()
    store.fanout_queue.cache_clear()
    with concurrency(args.concurrency):
        runs = [
            sharded_run(stream_event(BOARD_ID, sequence=run + 2), os.environ[ENV_FANOUT_QUEUE_URL], count)
            for run in range(args.runs)
        ]
    best = min(runs, key=lambda run: run.end_to_end)
    senders = [wall for wall, _ in best.senders]
    print(
        f"  sharded, end to end       {best.end_to_end * 1000:8.0f} ms   (broadcaster "
        f"{best.broadcaster[0] * 1000:.0f} ms + slowest of {len(senders)} senders in parallel "
        f"{best.slowest_sender[0] * 1000:.0f} ms; sender median {statistics.median(senders) * 1000:.0f} ms; "
        f"best of {args.runs}; moto answering: {best.in_moto * 1000:.0f} ms)"
    )
    if args.breakdown:
        full, ids, lane = read_times(os.environ[ENV_CONNECTIONS_TABLE_NAME])
        print(
            f"  of which moto's reads: all subscribers {full * 1000:.0f} ms (direct); "
            f"the broadcaster's page of ids {ids * 1000:.0f} ms, one key lane {lane * 1000:.0f} ms (sharded)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per-post latency of the endpoint")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_FANOUT_CONCURRENCY)
    parser.add_argument("--runs", type=int, default=3, help="runs of each path; the best is kept")
    parser.add_argument("--breakdown", action="store_true", help="also time moto's reads on their own")
    args = parser.parse_args()
    print(f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    with mock_aws(), MOTO.installed(), connections_endpoint(args.latency_ms) as callback_url:
        for count in args.connections:
            measure(count, args, callback_url)


if __name__ == "__main__":
    main()
