"""One stream record, at most one event: its type, its board, its public data and its time."""

from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from broadcast_harness import OWNER, Broadcast
from lambda_context import LambdaContextDouble

from corkboard.events import BoardEvent, EventType, UnreadableRecordError, event_from_record
from corkboard.models import TaskStatus
from corkboard.views import TaskOut
from streams.broadcaster import handler

# 2030-01-31T09:30:00Z
FIXED_EPOCH = 1_896_082_200


def _task_records(broadcast: Broadcast, *titles: str) -> list[dict[str, Any]]:
    for title in titles:
        broadcast.repository.create_task(
            broadcast.board_id,
            title=title,
            description="",
            status=TaskStatus.TODO,
            assignee=None,
            due_date=None,
        )
    return broadcast.tap.records()


def test_a_record_becomes_the_event_its_subscribers_receive(broadcast: Broadcast) -> None:
    [record] = _task_records(broadcast, "Ship")
    record["dynamodb"]["ApproximateCreationDateTime"] = FIXED_EPOCH

    event = event_from_record(DynamoDBRecord(record))

    assert isinstance(event, BoardEvent)
    assert (event.type, event.board_id) == (EventType.TASK_CREATED, broadcast.board_id)
    [task] = broadcast.repository.list_tasks(broadcast.board_id, status=None, limit=1, cursor=None).items
    assert event.frame() == {
        "type": "task.created",
        "boardId": broadcast.board_id,
        "data": TaskOut.of(task).model_dump(mode="json"),
        "at": "2030-01-31T09:30:00Z",
    }


def test_creating_a_board_means_nothing_to_subscribers(broadcast: Broadcast) -> None:
    broadcast.repository.create_board(name="New", description="", owner_id=OWNER)
    board_record, owner_record = broadcast.tap.records()

    assert event_from_record(DynamoDBRecord(board_record)) is None
    owner_event = event_from_record(DynamoDBRecord(owner_record))
    assert owner_event is not None
    assert owner_event.type is EventType.MEMBER_ADDED


def test_a_record_without_its_image_is_unreadable(broadcast: Broadcast) -> None:
    [record] = _task_records(broadcast, "Ship")
    del record["dynamodb"]["NewImage"]

    with pytest.raises(UnreadableRecordError, match="NEW_AND_OLD_IMAGES"):
        event_from_record(DynamoDBRecord(record))


def test_an_unreadable_record_is_reported_for_retry_never_dropped(broadcast: Broadcast) -> None:
    readable, unreadable = _task_records(broadcast, "First", "Second")
    del unreadable["dynamodb"]["NewImage"]

    response = handler({"Records": [readable, unreadable]}, LambdaContextDouble())

    assert response == {"batchItemFailures": [{"itemIdentifier": unreadable["dynamodb"]["SequenceNumber"]}]}
