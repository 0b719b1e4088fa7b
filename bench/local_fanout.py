"""Event latency through the local cloud: a write until its stream's function runs, and a PATCH until the last
of N WebSocket clients has its event.

First, with nothing else going on, single writes to a task item each wait until the poller is as idle as it
gets (longer than its longest idle wait); the time from sending each write until the function host is asked to
run the stream's function with that write's record gives the first-event latency (p50 and max; the first write
is a warm-up).

The board's owner opens N real WebSocket connections (the websockets library) and subscribes each to one
board; then one ``PATCH /boards/{boardId}/tasks/{taskId}`` changes a task. The event travels the whole local
path: the table's stream (polled), the broadcaster function, ``@connections`` posts and the gateway's
sockets. Each round prints the time from sending the PATCH until the first, the median and the last client
has its ``task.updated`` event, and how many of the N had it; the best round comes last. The clients run in
this process beside the gateway, so the figures include their competition for this machine's cores. Prints
figures only; exits 1 if an event went missing.

Run: `make bench`, or `make local-synth` once and then
`.venv/bin/python bench/local_fanout.py [--clients 200] [--rounds 3] [--writes 10] [--cdk-out DIR]`
(default DIR: .local/cdk.out).
"""

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from local_cloud_session import BenchmarkError, LocalCloudSession, add_cdk_out_argument, local_cloud_session
from websockets.asyncio.client import ClientConnection, connect

from cdk_local_cloud.contracts.invocation import FunctionInvoker, InvocationResult
from corkboard.models import Task
from corkboard.table_design import ENV_CONNECTIONS_TABLE_NAME, ENV_TABLE_NAME, PARTITION_KEY, SORT_KEY

# Generous: the first socket pays the cold starts of the authorizer, $connect and subscribe functions.
SUBSCRIBE_TIMEOUT_SECONDS = 60
# $disconnect runs after each socket has closed; the cloud stops cleanly only once they have all run.
DISCONNECT_TIMEOUT_SECONDS = 120
DISCONNECT_POLL_SECONDS = 0.5
# Generous: the first round pays the broadcaster's first fan-out.
EVENT_TIMEOUT_SECONDS = 60
# Longer than any idle wait of the stream poller, so that each measured write finds it as idle as it gets.
IDLE_PAUSE_SECONDS = 3.0


@dataclass(frozen=True)
class Round:
    """One PATCH: each client's delay (seconds after sending it) until its event, for those that had it."""

    clients: int
    arrivals: list[float]

    @property
    def complete(self) -> bool:
        return len(self.arrivals) == self.clients

    @property
    def last(self) -> float:
        return max(self.arrivals)

    def line(self, label: str) -> str:
        if not self.arrivals:
            return f"  {label:<8} no client had the event within {EVENT_TIMEOUT_SECONDS} s"
        first, median = min(self.arrivals), statistics.median(self.arrivals)
        figures = "   ".join(
            f"{name} {seconds * 1000:6.0f} ms"
            for name, seconds in (("first", first), ("median", median), ("last", self.last))
        )
        return f"  {label:<8} {figures}   arrived {len(self.arrivals)}/{self.clients}"


class StreamInvocationProbe:
    """Wraps the function host's ``invoke`` and notes when a stream record whose new image has a marked title
    is first handed to a function (the moment the stream's poller delivers it, before the function runs)."""

    def __init__(self, host: FunctionInvoker) -> None:
        self._host_invoke = host.invoke
        self._seen: dict[str, float] = {}
        self._changed = threading.Condition()

    def invoke(self, function: str, event: Any) -> InvocationResult:
        titles = (
            [_new_title(record) for record in event.get("Records", [])] if isinstance(event, Mapping) else []
        )
        now = time.perf_counter()
        with self._changed:
            for title in titles:
                if title is not None:
                    self._seen.setdefault(title, now)
            self._changed.notify_all()
        return self._host_invoke(function, event)

    def delivered_at(self, title: str, timeout: float) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: title in self._seen, timeout):
                raise BenchmarkError(f"No stream record of the write titled {title!r} within {timeout} s.")
            return self._seen[title]


def _new_title(record: Any) -> str | None:
    image = record.get("dynamodb", {}).get("NewImage", {}) if isinstance(record, Mapping) else {}
    return image.get("title", {}).get("S")


@contextmanager
def stream_invocation_probe(session: LocalCloudSession) -> Iterator[StreamInvocationProbe]:
    """The probe, in place of the host's ``invoke`` (the event sources look it up on every delivery)."""
    host = session.cloud.functions
    if host is None:
        raise BenchmarkError("The local cloud has no function host: it did not start.")
    probe = StreamInvocationProbe(host)
    host.invoke = probe.invoke  # type: ignore[method-assign]
    try:
        yield probe
    finally:
        del host.invoke


def first_event_latencies(session: LocalCloudSession, task: Mapping[str, Any], writes: int) -> list[float]:
    """Seconds from sending each idle write of ``task``'s title until its stream's function is invoked with
    it; one unmeasured warm-up write comes first."""
    dynamodb = session.aws.client("dynamodb")
    table = session.table_named_by(ENV_TABLE_NAME)
    key = Task.item_layout().render_keys(
        {"board_id": task["boardId"], "task_id": task["taskId"]}, (PARTITION_KEY, SORT_KEY)
    )
    latencies = []
    with stream_invocation_probe(session) as probe:
        for number in range(writes + 1):
            time.sleep(IDLE_PAUSE_SECONDS)
            title = f"first event {number} {uuid.uuid4()}"
            sent_at = time.perf_counter()
            dynamodb.update_item(
                TableName=table,
                Key={name: {"S": value} for name, value in key.items()},
                UpdateExpression="SET title = :title",
                ExpressionAttributeValues={":title": {"S": title}},
            )
            delivered_at = probe.delivered_at(title, EVENT_TIMEOUT_SECONDS)
            if number:
                latencies.append(delivered_at - sent_at)
    return latencies


async def subscribed_socket(session: LocalCloudSession, board_id: str) -> ClientConnection:
    socket = await connect(
        f"{session.websocket_url}?token={session.token}", open_timeout=SUBSCRIBE_TIMEOUT_SECONDS
    )
    await socket.send(json.dumps({"action": "subscribe", "boardId": board_id}))
    async with asyncio.timeout(SUBSCRIBE_TIMEOUT_SECONDS):
        while (frame := json.loads(await socket.recv())).get("type") != "subscribed":
            if "error" in frame:
                raise BenchmarkError(f"Subscribing to board {board_id} failed: {frame}")
    return socket


@asynccontextmanager
async def subscribed_sockets(
    session: LocalCloudSession, board_id: str, count: int
) -> AsyncIterator[list[ClientConnection]]:
    """``count`` sockets subscribed to the board, opened one at a time so each function keeps one worker."""
    async with AsyncExitStack() as stack:
        sockets = []
        for _ in range(count):
            socket = await subscribed_socket(session, board_id)
            stack.push_async_callback(socket.close)
            sockets.append(socket)
        yield sockets


async def arrival(socket: ClientConnection, task_id: str, version: int, sent_at: float) -> float:
    """Seconds from ``sent_at`` until this socket has the ``task.updated`` event of ``version``."""
    expected = {"type": "task.updated", "taskId": task_id, "version": version}
    while True:
        frame = json.loads(await socket.recv())
        data = frame.get("data", {})
        if {
            "type": frame.get("type"),
            "taskId": data.get("taskId"),
            "version": data.get("version"),
        } == expected:
            return time.perf_counter() - sent_at


async def patch_round(
    session: LocalCloudSession, sockets: list[ClientConnection], task: dict[str, Any], label: str
) -> tuple[Round, dict[str, Any]]:
    """PATCHes ``task`` once and times its event on every socket; returns the round and the changed task."""
    path = f"/boards/{task['boardId']}/tasks/{task['taskId']}"
    body = {"version": task["version"], "title": f"Fan-out {label}"}
    sent_at = time.perf_counter()
    waiting = [
        asyncio.create_task(arrival(socket, task["taskId"], task["version"] + 1, sent_at))
        for socket in sockets
    ]
    changed = await asyncio.to_thread(session.call, "PATCH", path, body)
    done, pending = await asyncio.wait(waiting, timeout=EVENT_TIMEOUT_SECONDS)
    for late in pending:
        late.cancel()
    return Round(len(sockets), sorted(waiter.result() for waiter in done)), changed


def wait_until_disconnected(session: LocalCloudSession) -> None:
    """Returns once the connections table is empty again: every socket's ``$disconnect`` has run."""
    table = session.table_named_by(ENV_CONNECTIONS_TABLE_NAME)
    dynamodb = session.aws.client("dynamodb")
    deadline = time.monotonic() + DISCONNECT_TIMEOUT_SECONDS
    while dynamodb.scan(TableName=table, Select="COUNT")["Count"]:
        if time.monotonic() > deadline:
            raise BenchmarkError(
                f"$disconnect has not run for every socket after {DISCONNECT_TIMEOUT_SECONDS} s."
            )
        time.sleep(DISCONNECT_POLL_SECONDS)


async def measure(session: LocalCloudSession, task: dict[str, Any], clients: int, rounds: int) -> list[Round]:
    board_id = task["boardId"]
    results = []
    try:
        async with subscribed_sockets(session, board_id, clients) as sockets:
            for number in range(1, rounds + 1):
                result, task = await patch_round(session, sockets, task, f"round {number}")
                results.append(result)
    finally:
        await asyncio.to_thread(wait_until_disconnected, session)
    return results


def print_first_events(latencies: list[float]) -> None:
    python = sys.version.split()[0]
    print(f"first event, idle: a DynamoDB write until its stream's function is invoked (Python {python})")
    print(
        f"  p50 {statistics.median(latencies) * 1000:6.0f} ms   max {max(latencies) * 1000:6.0f} ms   "
        f"{len(latencies)} writes, each after {IDLE_PAUSE_SECONDS:.0f} s idle"
    )


def print_rounds(results: list[Round], clients: int) -> None:
    print(f"one PATCH to {clients} subscribed WebSocket clients")
    for number, result in enumerate(results, start=1):
        print(result.line(f"round {number}"))
    complete = [result for result in results if result.complete]
    if complete:
        print(min(complete, key=lambda result: result.last).line("best"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_cdk_out_argument(parser)
    parser.add_argument("--clients", type=int, default=200, help="WebSocket clients subscribed to the board")
    parser.add_argument("--rounds", type=int, default=3, help="PATCHes, one at a time; the best is shown")
    parser.add_argument("--writes", type=int, default=10, help="idle writes timed until their function runs")
    args = parser.parse_args()
    with local_cloud_session(args.cdk_out, user="bench-owner") as session:
        board_id = session.call("POST", "/boards", {"name": "Fan-out"})["boardId"]
        task = session.call("POST", f"/boards/{board_id}/tasks", {"title": "Fan-out"})
        print_first_events(first_event_latencies(session, task, args.writes))
        results = asyncio.run(measure(session, task, args.clients, args.rounds))
        print_rounds(results, args.clients)
    if not all(result.complete for result in results):
        raise SystemExit("Some clients never had their event: see the rounds above.")


if __name__ == "__main__":
    main()
