"""The sharded fan-out on moto: the broadcaster queues a board's key lanes, a sender posts to each lane's
subscribers.

Real stream records run through ``streams.broadcaster.handler`` with ``FANOUT_QUEUE_URL`` set. The FIFO queue
(made as serverless_blocks' ShardedFanout makes it, queue_tap.py) is received from as Lambda's mapping
receives, and ``streams.sender.handler`` posts each batch to the local ``@connections`` endpoint.
"""

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from broadcast_harness import EDITOR, OWNER, VIEWER, Broadcast
from lambda_context import LambdaContextDouble
from queue_tap import MAX_RECEIVE_COUNT, QueueTap

from corkboard.connections import CONNECTIONS_SCHEMA, ConnectionsRepository, Subscriber
from corkboard.fanout_queue import LISTED_SUBSCRIBERS, LaneBatch
from corkboard.identity import Caller
from corkboard.models import TaskStatus
from corkboard.observability import logger
from corkboard.services import members
from corkboard.subscriber_lanes import KEY_LANES, key_lane
from corkboard.timestamps import utc_now
from dynamo_odm import Table, ThrottledError
from dynamo_odm.client import dynamodb_client
from streams.broadcaster import handler as broadcaster
from streams.sender import handler as sender

NO_FAILURES = {"batchItemFailures": []}
OWNER_CALLER = Caller(user_id=OWNER, email=None, groups=frozenset())


@pytest.fixture
def tap(broadcast: Broadcast, monkeypatch: pytest.MonkeyPatch) -> QueueTap:
    return QueueTap.create(monkeypatch)


def _add_task(broadcast: Broadcast, title: str = "Write the docs") -> str:
    task = broadcast.repository.create_task(
        broadcast.board_id, title=title, description="", status=TaskStatus.TODO, assignee=None, due_date=None
    )
    return task.task_id


def _send_once(tap: QueueTap, batch_size: int = 1) -> dict[str, Any]:
    """One sender invocation on up to ``batch_size`` waiting batches (one, as the stack maps the queue),
    settled as the mapping settles it: when the function fails (Powertools raises when every batch
    failed), every batch of the invocation failed."""
    event = tap.lambda_event(batch_size)
    try:
        response = sender(event, LambdaContextDouble())
    except BatchProcessingError:
        response = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}
    tap.settle(event, response)
    return response


def _send_all(tap: QueueTap, batch_size: int = 1) -> list[dict[str, Any]]:
    """Sender invocations until the queue is empty; a batch that keeps failing leaves for the dead letters."""
    responses = []
    while tap.waiting():
        responses.append(_send_once(tap, batch_size))
    return responses


def _batch(broadcast: Broadcast, connection_id: str) -> str:
    """A message for the key lane of the connection alone, as the broadcaster queues for a large board."""
    frame = (
        '{"type":"task.created","boardId":"' + broadcast.board_id + '","data":{},"at":"2030-01-01T00:00:00Z"}'
    )
    lane = key_lane(connection_id)
    return LaneBatch(
        board_id=broadcast.board_id, frame=frame, first_lane=lane, last_lane=lane
    ).model_dump_json()


def _seed_subscribers(table_name: str, broadcast: Broadcast, connection_ids: list[str]) -> None:
    """Subscribers of the board written in bulk, as ``subscribe`` writes them (a post needs no more)."""
    table = Table(table_name, CONNECTIONS_SCHEMA)
    expires_at = utc_now() + timedelta(hours=2)
    table.batch_save(
        [
            Subscriber(board_id=broadcast.board_id, connection_id=cid, user_id=EDITOR, expires_at=expires_at)
            for cid in connection_ids
        ]
    )


class QueryLog:
    """The Queries the functions send through the shared DynamoDB client: each request and its item count."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.counts: list[int] = []
        events = dynamodb_client().meta.events
        events.register("provide-client-params.dynamodb.Query", self._request)
        events.register("after-call.dynamodb.Query", self._answer)

    def clear(self) -> None:
        self.requests.clear()
        self.counts.clear()

    def _request(self, params: dict[str, Any], **_: Any) -> None:
        self.requests.append(dict(params))

    def _answer(self, parsed: dict[str, Any], **_: Any) -> None:
        self.counts.append(int(parsed.get("Count", 0)))


def test_every_subscriber_gets_the_event_from_a_sender_not_from_the_broadcaster(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    listeners = [broadcast.listen("c-owner", OWNER), broadcast.listen("c-viewer", VIEWER)]
    task_id = _add_task(broadcast)

    assert broadcast.deliver() == NO_FAILURES
    assert [broadcast.received(connection_id) for connection_id in listeners] == [[], []]
    assert tap.waiting() == 1, "three subscribers are one batch"

    assert _send_all(tap) == [NO_FAILURES]
    for connection_id in listeners:
        [frame] = broadcast.received(connection_id)
        assert (frame["type"], frame["boardId"], frame["data"]["taskId"]) == (
            "task.created",
            broadcast.board_id,
            task_id,
        )


def test_a_record_the_stream_delivers_again_queues_no_batch_twice(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    listener = broadcast.listen("c-owner", OWNER)
    _add_task(broadcast)
    event = broadcast.tap.lambda_event()

    assert broadcaster(event, LambdaContextDouble()) == NO_FAILURES
    assert broadcaster(event, LambdaContextDouble()) == NO_FAILURES

    assert tap.waiting() == 1
    _send_all(tap)
    assert broadcast.types_received(listener) == ["task.created"]


def test_a_gone_connection_is_forgotten_by_the_sender(broadcast: Broadcast, tap: QueueTap) -> None:
    gone, staying = broadcast.listen("c-gone", VIEWER), broadcast.listen("c-owner", OWNER)
    broadcast.endpoint.answer(gone, 410)
    _add_task(broadcast)
    broadcast.deliver()

    assert _send_all(tap) == [NO_FAILURES], "a 410 is the connection's affair, not the batch's"

    assert broadcast.connections.get_connection(gone) is None
    assert [s.connection_id for s in broadcast.connections.subscribers_of(broadcast.board_id)] == [staying]
    assert broadcast.types_received(staying) == ["task.created"]


def test_a_subscription_ended_while_its_batch_waited_gets_nothing(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    leaving, staying = broadcast.listen("c-viewer", VIEWER), broadcast.listen("c-owner", OWNER)
    _add_task(broadcast)
    broadcast.deliver()
    broadcast.connections.unsubscribe(leaving, broadcast.board_id)

    assert _send_all(tap) == [NO_FAILURES]

    assert broadcast.received(leaving) == []
    assert broadcast.types_received(staying) == ["task.created"]


def test_a_removed_member_gets_member_removed_once_through_a_farewell_batch(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    owner, removed = broadcast.listen("c-owner", OWNER), broadcast.listen("c-viewer", VIEWER)
    members.remove(OWNER_CALLER, broadcast.board_id, VIEWER)

    assert broadcast.deliver() == NO_FAILURES
    assert tap.waiting() == 2, "the subscribers' batch and the farewell batch"
    _send_all(tap)

    for connection_id in (owner, removed):
        [frame] = broadcast.received(connection_id)
        assert (frame["type"], frame["data"]["userId"]) == ("member.removed", VIEWER)
    _add_task(broadcast)
    broadcast.deliver()
    _send_all(tap)
    assert broadcast.types_received(removed) == ["member.removed"]


def test_only_the_failed_batch_and_the_later_ones_of_its_group_are_reported(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    later, other = broadcast.listen("c-later", EDITOR), broadcast.listen("c-other", EDITOR)
    tap.send_raw("not a batch", group="lane-a", deduplication_id="broken")
    assert key_lane(later) != key_lane(other)
    tap.send_raw(_batch(broadcast, later), group="lane-a", deduplication_id="later")
    tap.send_raw(_batch(broadcast, other), group="lane-b", deduplication_id="other")

    event = tap.lambda_event(batch_size=10)
    response = sender(event, LambdaContextDouble())
    tap.settle(event, response)

    ids = {record["body"]: record["messageId"] for record in event["Records"]}
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": ids["not a batch"]},
            {"itemIdentifier": ids[_batch(broadcast, later)]},
        ]
    }
    assert (broadcast.types_received(other), broadcast.received(later)) == (["task.created"], [])


def test_a_batch_that_keeps_failing_goes_to_the_dead_letter_queue_and_its_group_then_moves_on(
    broadcast: Broadcast, tap: QueueTap
) -> None:
    later = broadcast.listen("c-later", EDITOR)
    tap.send_raw("not a batch", group="lane-a", deduplication_id="broken")
    tap.send_raw(_batch(broadcast, later), group="lane-a", deduplication_id="later")

    responses = _send_all(tap)

    assert [len(response["batchItemFailures"]) for response in responses] == [1] * MAX_RECEIVE_COUNT + [0]
    assert tap.dead_letters() == ["not a batch"]
    assert broadcast.types_received(later) == ["task.created"], "once, after the broken batch left"


def test_a_batch_whose_subscribers_cannot_be_read_is_received_again(
    broadcast: Broadcast, tap: QueueTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = broadcast.listen("c-owner", OWNER)
    _add_task(broadcast)
    broadcast.deliver()

    def throttled(*_: Any, **__: Any) -> None:
        raise ThrottledError("Query")

    with monkeypatch.context() as patch:
        patch.setattr(ConnectionsRepository, "subscribers_in_lanes", throttled)
        [failed] = _send_once(tap)["batchItemFailures"]
    assert failed["itemIdentifier"]
    assert broadcast.received(listener) == []

    assert _send_all(tap) == [NO_FAILURES]
    assert broadcast.types_received(listener) == ["task.created"]


def test_a_listed_board_queues_only_the_message_lanes_that_hold_a_subscriber(
    broadcast: Broadcast, tap: QueueTap, connections_table: str
) -> None:
    """150 subscribers make two message lanes; all are in the lower one, so the upper one is not queued."""
    lower_half = [cid for cid in (f"c-{index:04d}" for index in range(400)) if key_lane(cid) < KEY_LANES // 2]
    _seed_subscribers(connections_table, broadcast, lower_half[:150])
    _add_task(broadcast)

    assert broadcast.deliver() == NO_FAILURES

    [message] = tap.lambda_event()["Records"]
    body = json.loads(message["body"])
    assert (body["kind"], body["first_lane"], body["last_lane"]) == ("lanes", 0, 31)
    assert message["attributes"]["MessageGroupId"] == f"{broadcast.board_id}#00-1f"
    assert "connection_ids" not in body


def test_the_queued_event_is_logged_with_a_number_of_subscribers_or_none(
    broadcast: Broadcast, tap: QueueTap, connections_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Log queries compare the field: a large board logs listed=false and no count, never a sentence."""
    _seed_subscribers(
        connections_table, broadcast, [f"c-{index:04d}" for index in range(LISTED_SUBSCRIBERS + 1)]
    )
    _add_task(broadcast)
    log = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log)

    assert broadcast.deliver() == NO_FAILURES

    records = [json.loads(line) for line in log.getvalue().splitlines()]
    (queued,) = [record for record in records if record["message"] == "event queued"]
    # Powertools leaves out fields whose value is None.
    assert "subscribers" not in queued
    assert queued["listed"] is False
    assert tap.waiting() == KEY_LANES


def test_a_board_too_large_to_list_is_read_once_by_the_broadcaster_and_lane_by_lane_by_the_senders(
    broadcast: Broadcast, tap: QueueTap, connections_table: str
) -> None:
    subscribers = [f"c-{index:04d}" for index in range(LISTED_SUBSCRIBERS + 100)]
    _seed_subscribers(connections_table, broadcast, subscribers)
    _add_task(broadcast)
    queries = QueryLog()

    assert broadcast.deliver() == NO_FAILURES

    assert len(queries.requests) == 1, "one page of ids, however large the board"
    assert (queries.requests[0]["Limit"], queries.counts) == (
        LISTED_SUBSCRIBERS + 1,
        [LISTED_SUBSCRIBERS + 1],
    )
    event = tap.lambda_event(batch_size=10)
    bodies = [json.loads(record["body"]) for record in event["Records"]]
    assert tap.waiting() == KEY_LANES, "a message per key lane, naming no connection"
    assert all(body["first_lane"] == body["last_lane"] and "connection_ids" not in body for body in bodies)
    queries.clear()

    # Ten of the 64 senders (all of them would take seconds of moto's time and show nothing more).
    tap.settle(event, sender(event, LambdaContextDouble()))

    assert all(request["ConsistentRead"] for request in queries.requests)
    lanes = {body["first_lane"] for body in bodies}
    in_lanes = [cid for cid in subscribers if key_lane(cid) in lanes]
    assert sum(queries.counts) == len(in_lanes), "each sender read its own lane, and only it"
    assert {cid for cid in subscribers if broadcast.types_received(cid) == ["task.created"]} == set(in_lanes)
