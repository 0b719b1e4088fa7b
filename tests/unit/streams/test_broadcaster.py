"""The broadcaster on real stream records: who receives what, and what happens when a post fails.

Every test changes the main table through the real repository, then runs the handler on the records
moto's stream holds for those changes.
"""

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from broadcast_harness import EDITOR, OWNER, VIEWER, Broadcast
from lambda_context import LambdaContextDouble

from corkboard.connections import ConnectionsRepository
from corkboard.identity import Caller
from corkboard.models import Role, TaskStatus
from corkboard.services import boards, members
from corkboard.table_design import GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from corkboard.views import BoardOut, MemberOut, TaskOut
from dynamo_odm import ThrottledError
from streams.broadcaster import handler

NO_FAILURES = {"batchItemFailures": []}
OWNER_CALLER = Caller(user_id=OWNER, email=None, groups=frozenset())
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


def test_a_failing_connection_fails_no_record_and_holds_up_no_one(broadcast: Broadcast) -> None:
    other = broadcast.repository.create_board(name="Other", description="", owner_id=OWNER)
    healthy = broadcast.listen("c-healthy", OWNER)
    broken = broadcast.listen("c-broken", OWNER, board_id=other.board_id)
    broadcast.endpoint.answer(broken, 500)
    broadcast.tap.records()  # skip the other board's creation
    _add_task(broadcast, "First")
    _add_task(broadcast, "Lost on the broken socket", board_id=other.board_id)
    _add_task(broadcast, "Third")

    assert broadcast.deliver() == NO_FAILURES

    assert [frame["data"]["title"] for frame in broadcast.received(healthy)] == ["First", "Third"]
    assert broadcast.endpoint.attempts(broken) == 2, "one quick retry, then it is that connection's affair"
    [subscriber] = broadcast.connections.subscribers_of(other.board_id)
    assert subscriber.failed_posts == 1
    assert broadcast.endpoint.closed() == []


@pytest.mark.parametrize("status", [429, 500, 403])
def test_a_connection_whose_posts_fail_three_times_in_a_row_is_closed(
    broadcast: Broadcast, status: int
) -> None:
    healthy, failing = broadcast.listen("c-healthy", OWNER), broadcast.listen("c-failing", VIEWER)
    broadcast.endpoint.answer(failing, status)
    titles = [f"Task {number}" for number in range(4)]
    for title in titles:
        _add_task(broadcast, title)

    assert broadcast.deliver() == NO_FAILURES

    assert [frame["data"]["title"] for frame in broadcast.received(healthy)] == titles
    assert broadcast.endpoint.closed() == [failing]
    assert broadcast.connections.get_connection(failing) is None
    assert [s.connection_id for s in broadcast.connections.subscribers_of(broadcast.board_id)] == [healthy]
    attempts_while_subscribed = broadcast.endpoint.attempts(failing)
    _add_task(broadcast, "After the close")
    broadcast.deliver()
    assert broadcast.endpoint.attempts(failing) == attempts_while_subscribed


def test_a_delivered_post_resets_the_count_of_failures(broadcast: Broadcast) -> None:
    flaky = broadcast.listen("c-flaky", VIEWER)
    for answer in (429, 429, 200, 429, 429):
        broadcast.endpoint.answer(flaky, answer)
        _add_task(broadcast)
        assert broadcast.deliver() == NO_FAILURES

    assert broadcast.endpoint.closed() == []
    [subscriber] = broadcast.connections.subscribers_of(broadcast.board_id)
    assert subscriber.failed_posts == 2


def test_a_connection_that_never_answers_is_closed_after_one_bounded_wait(broadcast: Broadcast) -> None:
    healthy = [broadcast.listen(f"c-healthy-{number}", OWNER) for number in range(3)]
    stalled = broadcast.listen("c-stalled", VIEWER)
    broadcast.endpoint.stall(stalled)
    titles = [f"Task {number}" for number in range(3)]
    for title in titles:
        _add_task(broadcast, title)

    assert broadcast.deliver() == NO_FAILURES

    for connection_id in healthy:
        assert [frame["data"]["title"] for frame in broadcast.received(connection_id)] == titles
    assert broadcast.endpoint.attempts(stalled) == 1, "a timed-out post is not tried again"
    assert broadcast.endpoint.closed() == [stalled]
    assert broadcast.connections.get_connection(stalled) is None


def test_a_record_whose_subscribers_cannot_be_read_fails_and_holds_back_the_later_ones(
    broadcast: Broadcast, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = broadcast.repository.create_board(name="Other", description="", owner_id=OWNER)
    listener = broadcast.listen("c-owner", OWNER)
    broadcast.tap.records()
    _add_task(broadcast, "First")
    _add_task(broadcast, "Unreadable board", board_id=other.board_id)
    _add_task(broadcast, "Third")
    records = broadcast.tap.records()
    numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
    read_subscribers = ConnectionsRepository.subscribers_of

    def throttled_on_the_other_board(repository: ConnectionsRepository, board_id: str) -> Any:
        if board_id == other.board_id:
            raise ThrottledError("Query")
        return read_subscribers(repository, board_id)

    monkeypatch.setattr(ConnectionsRepository, "subscribers_of", throttled_on_the_other_board)

    response = handler({"Records": records}, LambdaContextDouble())

    assert response == {"batchItemFailures": [{"itemIdentifier": number} for number in numbers[1:]]}
    assert [frame["data"]["title"] for frame in broadcast.received(listener)] == ["First"]


def test_a_batch_in_which_every_record_failed_raises_so_lambda_can_bisect_it(
    broadcast: Broadcast, monkeypatch: pytest.MonkeyPatch
) -> None:
    broadcast.listen("c-owner", OWNER)
    _add_task(broadcast)

    def throttled(*_: Any) -> Any:
        raise ThrottledError("Query")

    monkeypatch.setattr(ConnectionsRepository, "subscribers_of", throttled)

    with pytest.raises(BatchProcessingError):
        broadcast.deliver()


def test_a_removed_member_hears_of_it_and_then_nothing_more(broadcast: Broadcast) -> None:
    owner = broadcast.listen("c-owner", OWNER)
    tabs = [broadcast.listen("c-viewer-1", VIEWER), broadcast.listen("c-viewer-2", VIEWER)]
    editor = broadcast.listen("c-editor", EDITOR)
    members.remove(OWNER_CALLER, broadcast.board_id, VIEWER)
    subscribers = {s.connection_id for s in broadcast.connections.subscribers_of(broadcast.board_id)}

    assert broadcast.deliver() == NO_FAILURES

    assert subscribers == {owner, editor}, "ended by the request, before any record was delivered"
    for connection_id in (owner, *tabs, editor):
        [frame] = broadcast.received(connection_id)
        assert (frame["type"], frame["data"]["userId"]) == ("member.removed", VIEWER)
    _add_task(broadcast)
    assert broadcast.deliver() == NO_FAILURES
    assert broadcast.types_received(owner) == ["member.removed", "task.created"]
    assert all(broadcast.types_received(tab) == ["member.removed"] for tab in tabs)


def test_the_courtesy_to_a_removed_member_fails_nothing_and_is_sent_once(broadcast: Broadcast) -> None:
    owner = broadcast.listen("c-owner", OWNER)
    gone, broken = broadcast.listen("c-viewer-gone", VIEWER), broadcast.listen("c-viewer-broken", VIEWER)
    broadcast.endpoint.answer(gone, 410)
    broadcast.endpoint.answer(broken, 500)
    members.remove(OWNER_CALLER, broadcast.board_id, VIEWER)
    records = broadcast.tap.records()

    assert handler({"Records": records}, LambdaContextDouble()) == NO_FAILURES
    assert handler({"Records": records}, LambdaContextDouble()) == NO_FAILURES

    assert broadcast.types_received(owner) == ["member.removed", "member.removed"], "at least once"
    assert broadcast.endpoint.attempts(broken) == 2, (
        "one post and its quick retry, on the first delivery only"
    )
    assert broadcast.connections.get_connection(gone) is None


def test_a_deleted_board_is_announced_and_its_deletion_is_not_streamed_item_by_item(
    broadcast: Broadcast,
) -> None:
    listeners = [broadcast.listen("c-owner", OWNER), broadcast.listen("c-viewer", VIEWER)]
    _add_task(broadcast)
    broadcast.deliver()
    boards.delete(OWNER_CALLER, broadcast.board_id)

    assert broadcast.connections.subscribers_of(broadcast.board_id) == []
    assert broadcast.deliver() == NO_FAILURES

    for connection_id in listeners:
        assert broadcast.types_received(connection_id) == ["task.created", "board.deleted"]
        assert broadcast.connections.get_connection(connection_id) is not None, "the socket itself stays open"


def test_a_removed_member_never_gets_an_event_of_the_board_whatever_became_of_member_removed(
    broadcast: Broadcast,
) -> None:
    owner = broadcast.listen("c-owner", OWNER)
    reading, full = broadcast.listen("c-viewer-1", VIEWER), broadcast.listen("c-viewer-2", VIEWER)
    broadcast.endpoint.answer(full, 429)
    members.remove(OWNER_CALLER, broadcast.board_id, VIEWER)
    _add_task(broadcast, "Created after the removal")
    records = broadcast.tap.records()

    # Whatever this first delivery answers, Lambda may give member.removed up (to the on-failure queue)
    # and go on without it, as the second delivery does.
    with contextlib.suppress(BatchProcessingError):
        handler({"Records": records}, LambdaContextDouble())
    handler({"Records": records[1:]}, LambdaContextDouble())

    assert "task.created" in broadcast.types_received(owner)
    for connection_id in (reading, full):
        assert "task.created" not in broadcast.types_received(connection_id)
