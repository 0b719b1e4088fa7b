"""The sharded fan-out on moto: the broadcaster queues batches of subscribers, the sender posts each batch.

Real stream records run through ``streams.broadcaster.handler`` with ``FANOUT_QUEUE_URL`` set. The FIFO queue
(made as serverless_blocks' ShardedFanout makes it, queue_tap.py) is received from as Lambda's mapping
receives, and ``streams.sender.handler`` posts each batch to the local ``@connections`` endpoint.
"""

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from broadcast_harness import EDITOR, OWNER, VIEWER, Broadcast
from lambda_context import LambdaContextDouble
from queue_tap import MAX_RECEIVE_COUNT, QueueTap

from corkboard.connections import ConnectionsRepository
from corkboard.fanout_queue import FanoutBatch
from corkboard.identity import Caller
from corkboard.models import TaskStatus
from corkboard.services import members
from dynamo_odm import ThrottledError
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


def _batch(broadcast: Broadcast, *connection_ids: str) -> str:
    frame = (
        '{"type":"task.created","boardId":"' + broadcast.board_id + '","data":{},"at":"2030-01-01T00:00:00Z"}'
    )
    return FanoutBatch(
        board_id=broadcast.board_id, frame=frame, connection_ids=connection_ids
    ).model_dump_json()


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
    assert broadcast.connections.subscriber_ids_of(broadcast.board_id) == [staying]
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
        raise ThrottledError("BatchGetItem")

    with monkeypatch.context() as patch:
        patch.setattr(ConnectionsRepository, "subscribers_among", throttled)
        [failed] = _send_once(tap)["batchItemFailures"]
    assert failed["itemIdentifier"]
    assert broadcast.received(listener) == []

    assert _send_all(tap) == [NO_FAILURES]
    assert broadcast.types_received(listener) == ["task.created"]
