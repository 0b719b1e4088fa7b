"""How one event's recipients become fan-out batches: lanes, sizes, order keys and deduplication ids."""

import zlib
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber

from corkboard.fanout_queue import (
    BATCH_SIZE,
    FanoutBatch,
    FanoutQueue,
    FanoutQueueError,
    MalformedFanoutBatchError,
    QueuedBatch,
    batches_of,
    read_batch,
)

BOARD = "01BOARD"
FRAME = '{"type":"task.created"}'


def _ids(count: int, prefix: str = "conn") -> list[str]:
    return [f"{prefix}-{index:05d}" for index in range(count)]


def test_a_small_board_is_one_batch_in_one_group() -> None:
    [queued] = batches_of(BOARD, FRAME, _ids(3))

    assert (queued.group, queued.part, queued.batch.connection_ids) == (f"{BOARD}#0", 0, tuple(_ids(3)))
    assert not queued.batch.farewell


@pytest.mark.parametrize(("subscribers", "lanes"), [(100, 1), (101, 2), (250, 4), (10_000, 128)])
def test_a_large_board_spreads_over_a_power_of_two_lanes_in_batches_of_at_most_100(
    subscribers: int, lanes: int
) -> None:
    ids = _ids(subscribers)

    queued = batches_of(BOARD, FRAME, ids)

    posted = Counter(connection_id for item in queued for connection_id in item.batch.connection_ids)
    assert posted == Counter(ids), "every subscriber exactly once"
    assert all(len(item.batch.connection_ids) <= BATCH_SIZE for item in queued)
    assert {item.group for item in queued} <= {f"{BOARD}#{lane}" for lane in range(lanes)}
    assert len({item.group for item in queued}) > lanes // 2, "the lanes are used, not one of them"


def test_a_connection_is_always_in_the_same_group_so_its_events_keep_their_order() -> None:
    ids = _ids(250)

    groups = [
        {cid: item.group for item in batches_of(BOARD, FRAME, ids) for cid in item.batch.connection_ids}
    ]
    groups.append(
        {cid: item.group for item in batches_of(BOARD, FRAME, ids[::-1]) for cid in item.batch.connection_ids}
    )

    assert groups[0] == groups[1]
    assert all(group == f"{BOARD}#{zlib.crc32(cid.encode()) % 4}" for cid, group in groups[0].items())


def test_farewells_are_batches_of_their_own_in_the_lanes_of_the_subscribers() -> None:
    subscribers, farewells = _ids(150), _ids(2, prefix="gone")

    queued = batches_of(BOARD, FRAME, subscribers, farewells)

    said_farewell = [item for item in queued if item.batch.farewell]
    assert sorted(cid for item in said_farewell for cid in item.batch.connection_ids) == farewells
    assert all(
        item.group == f"{BOARD}#{zlib.crc32(item.batch.connection_ids[0].encode()) % 2}"
        for item in said_farewell
    )


def test_an_event_without_recipients_queues_nothing() -> None:
    assert batches_of(BOARD, FRAME, []) == []


def test_a_message_that_is_not_a_batch_says_where_it_ends() -> None:
    with pytest.raises(MalformedFanoutBatchError, match=r"m-1 .* dead-letter queue"):
        read_batch('{"board_id": "b", "frame": "{}", "connection_ids": []}', "m-1")


def test_a_batch_reads_back_as_it_was_written() -> None:
    batch = FanoutBatch(board_id=BOARD, frame=FRAME, connection_ids=("a", "b"), farewell=True)

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
