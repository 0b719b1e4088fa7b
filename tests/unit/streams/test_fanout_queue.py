"""How one event becomes fan-out messages: key-lane ranges, groups, farewells and deduplication ids."""

import json
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber

from corkboard.fanout_queue import (
    BATCH_SIZE,
    FanoutQueue,
    FanoutQueueError,
    FarewellBatch,
    LaneBatch,
    MalformedFanoutBatchError,
    QueuedBatch,
    batches_of,
    read_batch,
)
from corkboard.subscriber_lanes import KEY_LANES, key_lane, message_lane_of, message_lanes

BOARD = "01BOARD"
FRAME = '{"type":"task.created"}'


def _ids(count: int, prefix: str = "conn") -> list[str]:
    return [f"{prefix}-{index:05d}" for index in range(count)]


def _lanes(queued: list[QueuedBatch]) -> list[tuple[int, int]]:
    return [
        (item.batch.first_lane, item.batch.last_lane) for item in queued if isinstance(item.batch, LaneBatch)
    ]


def test_a_small_board_is_one_message_for_every_lane_in_one_group() -> None:
    [queued] = batches_of(BOARD, FRAME, _ids(3))

    assert (queued.group, queued.part) == (f"{BOARD}#00-3f", 0)
    assert queued.batch == LaneBatch(board_id=BOARD, frame=FRAME, first_lane=0, last_lane=KEY_LANES - 1)


@pytest.mark.parametrize(("subscribers", "lanes"), [(100, 1), (101, 2), (250, 4), (1000, 16)])
def test_a_listed_board_is_split_in_a_power_of_two_message_lanes_of_100_subscribers_on_average(
    subscribers: int, lanes: int
) -> None:
    ids = _ids(subscribers)

    queued = batches_of(BOARD, FRAME, ids)

    assert _lanes(queued) == [(range_.first, range_.last) for range_ in message_lanes(lanes)]
    assert [item.group for item in queued] == [f"{BOARD}#{range_.labels}" for range_ in message_lanes(lanes)]
    per_lane = Counter(message_lane_of(key_lane(connection_id), lanes) for connection_id in ids)
    assert max(per_lane.values()) < 2 * BATCH_SIZE, "about a hundred each, not one lane for all"


def test_only_the_message_lanes_that_hold_a_subscriber_are_queued() -> None:
    lower_half = [connection_id for connection_id in _ids(400) if key_lane(connection_id) < KEY_LANES // 2][
        :150
    ]

    queued = batches_of(BOARD, FRAME, lower_half)

    assert _lanes(queued) == [(0, 31)], "two message lanes for 150, of which the upper one is empty"


def test_a_board_too_large_to_list_is_one_message_per_key_lane_naming_no_one() -> None:
    queued = batches_of(BOARD, FRAME, None)

    assert _lanes(queued) == [(lane, lane) for lane in range(KEY_LANES)]
    assert len({item.group for item in queued}) == KEY_LANES
    assert all("connection_ids" not in json.loads(item.batch.model_dump_json()) for item in queued)


def test_a_connection_is_always_in_the_same_group_so_its_events_keep_their_order() -> None:
    ids = _ids(250)

    groups = [
        _group_of_each(batches_of(BOARD, FRAME, ids), ids),
        _group_of_each(batches_of(BOARD, FRAME, ids[::-1]), ids),
    ]

    assert groups[0] == groups[1]
    assert groups[0] == {cid: f"{BOARD}#{message_lane_of(key_lane(cid), 4).labels}" for cid in ids}


def test_farewells_go_by_id_in_batches_of_at_most_100_in_the_groups_of_their_lanes() -> None:
    subscribers, farewells = _ids(150), _ids(250, prefix="gone")

    queued = batches_of(BOARD, FRAME, subscribers, farewells)

    said_farewell = [item for item in queued if isinstance(item.batch, FarewellBatch)]
    assert Counter(cid for item in said_farewell for cid in item.batch.connection_ids) == Counter(farewells)
    assert all(len(item.batch.connection_ids) <= BATCH_SIZE for item in said_farewell)
    assert all(
        item.group == f"{BOARD}#{message_lane_of(key_lane(cid), 2).labels}"
        for item in said_farewell
        for cid in item.batch.connection_ids
    )
    assert {(item.group, item.part) for item in said_farewell} == {
        (f"{BOARD}#00-1f", 0),
        (f"{BOARD}#00-1f", 1),
        (f"{BOARD}#20-3f", 0),
        (f"{BOARD}#20-3f", 1),
    }


def test_an_event_without_recipients_queues_nothing() -> None:
    assert batches_of(BOARD, FRAME, []) == []


@pytest.mark.parametrize(
    "body",
    [
        '{"kind": "lanes", "board_id": "b", "frame": "{}", "first_lane": 0}',
        '{"kind": "lanes", "board_id": "b", "frame": "{}", "first_lane": 9, "last_lane": 8}',
        '{"kind": "lanes", "board_id": "b", "frame": "{}", "first_lane": 0, "last_lane": 64}',
        '{"kind": "farewell", "board_id": "b", "frame": "{}", "connection_ids": []}',
        '{"board_id": "b", "frame": "{}", "connection_ids": ["c-1"], "farewell": false}',
    ],
    ids=["no-last-lane", "backwards", "past-63", "farewell-to-no-one", "ids-before-issue-14"],
)
def test_a_message_that_is_not_a_batch_says_where_it_ends(body: str) -> None:
    with pytest.raises(MalformedFanoutBatchError, match=r"m-1 .* dead-letter queue"):
        read_batch(body, "m-1")


@pytest.mark.parametrize(
    "batch",
    [
        LaneBatch(board_id=BOARD, frame=FRAME, first_lane=8, last_lane=15),
        FarewellBatch(board_id=BOARD, frame=FRAME, connection_ids=("a", "b")),
    ],
    ids=["lanes", "farewell"],
)
def test_a_batch_reads_back_as_it_was_written(batch: LaneBatch | FarewellBatch) -> None:
    assert read_batch(batch.model_dump_json(), "m-1") == batch


def test_deduplication_ids_are_the_same_for_a_retried_event_and_differ_between_batches() -> None:
    queued = batches_of(BOARD, FRAME, _ids(250), _ids(3, prefix="gone"))

    first, retried, other_event = (
        _sent_entries("record-1", queued),
        _sent_entries("record-1", queued),
        _sent_entries("record-2", queued),
    )

    first_ids = [entry["MessageDeduplicationId"] for entry in first]
    assert first_ids == [entry["MessageDeduplicationId"] for entry in retried]
    assert len(set(first_ids)) == len(queued)
    assert not set(first_ids) & {entry["MessageDeduplicationId"] for entry in other_event}


def test_a_retry_that_splits_the_board_differently_never_drops_a_batch_as_a_duplicate() -> None:
    """A subscriber more between two tries of one record: one lane, then two. SQS drops a message whose
    deduplication id it has seen, so an id may only repeat for the very same message."""
    before = _sent_entries("record-1", batches_of(BOARD, FRAME, _ids(100)))
    after = _sent_entries("record-1", batches_of(BOARD, FRAME, _ids(101)))

    bodies = {entry["MessageDeduplicationId"]: entry["MessageBody"] for entry in before}
    for entry in after:
        assert bodies.get(entry["MessageDeduplicationId"], entry["MessageBody"]) == entry["MessageBody"]


def test_batches_the_queue_refuses_fail_the_event_with_the_reason() -> None:
    client = boto3.client("sqs", region_name="us-east-1")
    queue = FanoutQueue("https://sqs.us-east-1.amazonaws.com/123456789012/fanout.fifo", client)
    with Stubber(client) as stub:
        stub.add_response(
            "send_message_batch",
            {"Successful": [], "Failed": [{"Id": "0", "SenderFault": False, "Code": "InternalError"}]},
        )
        with pytest.raises(FanoutQueueError, match=r"1 batch\(es\) of board 01BOARD .*InternalError"):
            queue.send("record-1", batches_of(BOARD, FRAME, _ids(3)))


def _sent_entries(event_id: str, queued: list[QueuedBatch]) -> list[dict[str, str]]:
    client = boto3.client("sqs", region_name="us-east-1")
    entries: list[dict[str, str]] = []

    def record(params: dict[str, object], **_: object) -> None:
        entries.extend(params["Entries"])  # type: ignore[arg-type]

    client.meta.events.register("provide-client-params.sqs.SendMessageBatch", record)
    with Stubber(client) as stub:
        for _ in range(0, len(queued), 10):
            stub.add_response("send_message_batch", {"Successful": [], "Failed": []})
        FanoutQueue("https://sqs.us-east-1.amazonaws.com/123456789012/fanout.fifo", client).send(
            event_id, queued
        )
    return entries


def _group_of_each(queued: list[QueuedBatch], ids: list[str]) -> dict[str, str]:
    """Which group each connection's events go to: the group of the message whose lanes hold it."""
    lanes = [
        (item.batch.first_lane, item.batch.last_lane, item.group)
        for item in queued
        if isinstance(item.batch, LaneBatch)
    ]
    return {cid: next(group for first, last, group in lanes if first <= key_lane(cid) <= last) for cid in ids}
