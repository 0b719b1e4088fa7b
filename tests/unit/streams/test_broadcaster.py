"""The broadcaster on real stream records: who receives what, and what happens when a post fails.

Every test changes the main table through the real repository, then runs the handler on the records
moto's stream holds for those changes.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from broadcast_harness import EDITOR, OWNER, VIEWER, Broadcast
from lambda_context import LambdaContextDouble

from corkboard.models import Role, TaskStatus
from corkboard.table_design import GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from corkboard.views import BoardOut, MemberOut, TaskOut
from streams.broadcaster import handler

NO_FAILURES = {"batchItemFailures": []}
INTERNAL_ATTRIBUTES = {PARTITION_KEY, SORT_KEY, GSI1_PARTITION_KEY, GSI1_SORT_KEY, TTL_ATTRIBUTE}


def _add_task(broadcast: Broadcast, title: str = "Write the docs", board_id: str | None = None) -> str:
    task = broadcast.repository.create_task(
        board_id or broadcast.board_id,
        title=title,
        description="",
        status=TaskStatus.TODO,
        assignee=None,
        due_date=None,
    )
    return task.task_id


def _view_keys(view: type[BoardOut | MemberOut | TaskOut]) -> set[str]:
    return {field.alias or name for name, field in view.model_fields.items()}


def test_a_new_task_reaches_every_subscriber_as_the_rest_api_shows_it(broadcast: Broadcast) -> None:
    listeners = [broadcast.listen("c-owner", OWNER), broadcast.listen("c-viewer", VIEWER)]
    task_id = _add_task(broadcast)

    assert broadcast.deliver() == NO_FAILURES

    task = broadcast.repository.get_task(broadcast.board_id, task_id)
    assert task is not None
    for connection_id in listeners:
        [frame] = broadcast.received(connection_id)
        assert set(frame) == {"type", "boardId", "data", "at"}
        assert (frame["type"], frame["boardId"]) == ("task.created", broadcast.board_id)
        assert frame["data"] == TaskOut.of(task).model_dump(mode="json")
        at = datetime.fromisoformat(frame["at"])
        assert at.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)


def test_each_change_is_one_event_carrying_its_public_view(broadcast: Broadcast) -> None:
    listener = broadcast.listen("c-owner", OWNER)
    board_id = broadcast.board_id
    task_id = _add_task(broadcast)
    broadcast.repository.update_task(board_id, task_id, expected_version=1, changes={"status": "doing"})
    broadcast.repository.delete_task(board_id, task_id)
    broadcast.repository.put_membership(board_id, "user-new", Role.VIEWER)
    broadcast.repository.put_membership(board_id, "user-new", Role.EDITOR)
    broadcast.repository.update_board(board_id, expected_version=1, changes={"name": "Launch v2"})
    broadcast.repository.delete_membership(board_id, "user-new")

    assert broadcast.deliver() == NO_FAILURES

    frames = broadcast.received(listener)
    assert [frame["type"] for frame in frames] == [
        "task.created",
        "task.updated",
        "task.deleted",
        "member.added",
        "member.added",
        "board.updated",
        "member.removed",
    ]
    views = [TaskOut, TaskOut, TaskOut, MemberOut, MemberOut, BoardOut, MemberOut]
    for frame, view in zip(frames, views, strict=True):
        assert set(frame["data"]) == _view_keys(view)
        assert not set(frame["data"]) & INTERNAL_ATTRIBUTES
        assert frame["boardId"] == frame["data"]["boardId"] == board_id
    assert frames[1]["data"]["status"] == "doing"
    assert frames[2]["data"]["taskId"] == task_id, "a deleted task is described as it last was"
    assert [frames[3]["data"]["role"], frames[4]["data"]["role"]] == ["viewer", "editor"]
    assert frames[5]["data"]["name"] == "Launch v2"


def test_changes_that_mean_nothing_to_subscribers_post_nothing(broadcast: Broadcast, aws: Any) -> None:
    listener = broadcast.listen("c-owner", OWNER)
    broadcast.repository.create_board(name="Another", description="", owner_id=OWNER)
    boto3.client("dynamodb").put_item(
        TableName=aws.table_name,
        Item={
            PARTITION_KEY: {"S": f"BOARD#{broadcast.board_id}"},
            SORT_KEY: {"S": "ATTACH#t1#a1"},
            "status": {"S": "pending"},
        },
    )

    assert broadcast.deliver() == NO_FAILURES
    assert broadcast.received(listener) == []


def test_a_gone_connection_is_dropped_and_is_no_failure(broadcast: Broadcast) -> None:
    present, gone = broadcast.listen("c-present", OWNER), broadcast.listen("c-gone", VIEWER)
    broadcast.endpoint.answer(gone, 410)
    _add_task(broadcast)

    assert broadcast.deliver() == NO_FAILURES

    assert broadcast.types_received(present) == ["task.created"]
    assert broadcast.connections.get_connection(gone) is None
    assert [s.connection_id for s in broadcast.connections.subscribers_of(broadcast.board_id)] == [present]
    _add_task(broadcast, "Second")
    assert broadcast.deliver() == NO_FAILURES
    assert broadcast.endpoint.attempts(gone) == 1


def test_a_failed_post_makes_its_record_and_the_later_ones_batch_item_failures(broadcast: Broadcast) -> None:
    other = broadcast.repository.create_board(name="Other", description="", owner_id=OWNER)
    healthy = broadcast.listen("c-healthy", OWNER)
    broken = broadcast.listen("c-broken", OWNER, board_id=other.board_id)
    broadcast.endpoint.answer(broken, 500)
    broadcast.tap.records()  # skip the other board's creation
    _add_task(broadcast, "First")
    _add_task(broadcast, "Doomed", board_id=other.board_id)
    _add_task(broadcast, "Third")
    records = broadcast.tap.records()
    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]

    response = handler({"Records": records}, LambdaContextDouble())

    assert response == {"batchItemFailures": [{"itemIdentifier": number} for number in sequence_numbers[1:]]}
    assert [frame["data"]["title"] for frame in broadcast.received(healthy)] == ["First"]
    assert broadcast.endpoint.attempts(broken) == 2, "one quick retry, then the record is left to Lambda"

    broadcast.endpoint.answer(broken, 200)
    assert handler({"Records": records[1:]}, LambdaContextDouble()) == NO_FAILURES
    assert [frame["data"]["title"] for frame in broadcast.received(healthy)] == ["First", "Third"]
    assert [frame["data"]["title"] for frame in broadcast.received(broken)] == ["Doomed"]


def test_a_batch_in_which_every_record_failed_raises_so_lambda_can_bisect_it(broadcast: Broadcast) -> None:
    broadcast.endpoint.answer(broadcast.listen("c-broken", OWNER), 500)
    _add_task(broadcast)

    with pytest.raises(BatchProcessingError):
        broadcast.deliver()


def test_a_removed_member_hears_of_it_and_then_nothing_more(broadcast: Broadcast) -> None:
    owner = broadcast.listen("c-owner", OWNER)
    tabs = [broadcast.listen("c-viewer-1", VIEWER), broadcast.listen("c-viewer-2", VIEWER)]
    editor = broadcast.listen("c-editor", EDITOR)
    broadcast.repository.delete_membership(broadcast.board_id, VIEWER)

    assert broadcast.deliver() == NO_FAILURES

    for connection_id in (owner, *tabs, editor):
        [frame] = broadcast.received(connection_id)
        assert (frame["type"], frame["data"]["userId"]) == ("member.removed", VIEWER)
    subscribers = {s.connection_id for s in broadcast.connections.subscribers_of(broadcast.board_id)}
    assert subscribers == {owner, editor}
    _add_task(broadcast)
    assert broadcast.deliver() == NO_FAILURES
    assert broadcast.types_received(owner) == ["member.removed", "task.created"]
    assert all(broadcast.types_received(tab) == ["member.removed"] for tab in tabs)


def test_a_deleted_board_is_announced_then_every_subscription_to_it_ends(broadcast: Broadcast) -> None:
    listeners = [broadcast.listen("c-owner", OWNER), broadcast.listen("c-viewer", VIEWER)]
    _add_task(broadcast)
    broadcast.deliver()
    broadcast.repository.delete_board(broadcast.board_id)

    assert broadcast.deliver() == NO_FAILURES

    for connection_id in listeners:
        assert broadcast.types_received(connection_id) == ["task.created", "board.deleted"]
        assert broadcast.connections.get_connection(connection_id) is not None, "the socket itself stays open"
    assert broadcast.connections.subscribers_of(broadcast.board_id) == []
