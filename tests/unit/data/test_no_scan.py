"""No request path may Scan: a full repository workout, watched at the client, sends only keyed operations."""

from typing import Any

import boto3
import pytest

from corkboard.models import Role, TaskStatus
from corkboard.repository import CorkboardRepository
from dynamo_odm import Table

KEYED_OPERATIONS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
}


@pytest.fixture
def watched(aws: Any) -> tuple[CorkboardRepository, list[str]]:
    """A repository whose client records the name of every operation it sends; Scan fails the test at once."""
    client = boto3.client("dynamodb", region_name=aws.region)
    sent: list[str] = []

    def record(model: Any, **_: Any) -> None:
        assert model.name != "Scan", "The repository sent a Scan."
        sent.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    return CorkboardRepository(client=client), sent


def test_a_full_workout_sends_no_scan(watched: tuple[CorkboardRepository, list[str]]) -> None:
    repository, sent = watched
    board = repository.create_board(name="B", description="", owner_id="owner")
    repository.get_board(board.board_id)
    repository.update_board(board.board_id, expected_version=1, changes={"name": "B2"})
    repository.put_membership(board.board_id, "ann", Role.EDITOR)
    repository.get_membership(board.board_id, "ann")
    repository.list_members(board.board_id, limit=1, cursor=None)
    repository.list_boards_for_user("owner", limit=5, cursor=None)
    task = repository.create_task(
        board.board_id, title="T", description="", status=TaskStatus.TODO, assignee=None, due_date=None
    )
    repository.get_task(board.board_id, task.task_id)
    repository.update_task(board.board_id, task.task_id, expected_version=1, changes={"status": "doing"})
    repository.list_tasks(board.board_id, status=TaskStatus.DOING, limit=5, cursor=None)
    repository.list_tasks(board.board_id, status=None, limit=5, cursor=None)
    attachment = repository.create_attachment(
        board.board_id, task.task_id, file_name="a.png", content_type="image/png", size=1, uploaded_by="ann"
    )
    ids = (board.board_id, task.task_id, attachment.attachment_id)
    repository.get_attachment(*ids)
    repository.list_attachments(board.board_id, task.task_id, limit=5, cursor=None)
    pending = repository.get_attachment(*ids)
    assert pending is not None
    repository.claim_attachment_upload(pending, object_etag="etag", object_version_id=None)
    repository.mark_attachment_ready(*ids, object_etag="etag")
    repository.mark_attachment_rejected(*ids, reason="late", object_etag="etag")
    repository.delete_membership(board.board_id, "ann")
    repository.delete_task(board.board_id, task.task_id, expected_version=2)
    repository.delete_board(board.board_id)

    assert set(sent) == KEYED_OPERATIONS


def test_the_model_layer_offers_no_scan() -> None:
    assert not [name for name in dir(Table) if "scan" in name.lower()]
