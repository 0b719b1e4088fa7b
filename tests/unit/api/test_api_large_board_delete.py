"""Deleting a large board, interrupted half-way: a retried DELETE finishes the job (issue 12, finding 6).

The board holds 5,000 tasks, attachment records with their files, and members. The first DELETE fails after
a number of BatchWriteItem requests, as a function that times out would; the retry must still be allowed
(the owner can still reach the board) and must leave nothing: no item in the board's partition, no
membership in anyone's "my boards", no file.

The tasks are written straight to moto with BatchWriteItem, in the layout the repository writes, because
5,000 POSTs would take minutes and test nothing this test is about.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from rest_harness import Api, SeededBoard, board_items

from corkboard.attachment_keys import AttachmentKey
from corkboard.models import Attachment, Board, Task
from corkboard.repository import TABLE_SCHEMA
from corkboard.table_design import GSI1_NAME, GSI1_PARTITION_KEY, PARTITION_KEY
from dynamo_odm.batch import batch_write
from dynamo_odm.serialization import dump_item

TASKS = 5_000
ATTACHED_TASKS = 20
# About half of the board's items, 25 per BatchWriteItem request.
FAILING_AFTER_BATCHES = TASKS // 2 // 25


class SimulatedTimeoutError(RuntimeError):
    """Stands in for the function running out of time in the middle of the deletion."""


def _count(table_name: str, board_id: str) -> int:
    client = boto3.client("dynamodb")
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
        "ExpressionAttributeValues": {":pk": {"S": Board.render_key(PARTITION_KEY, {"board_id": board_id})}},
        "Select": "COUNT",
        "ConsistentRead": True,
    }
    total = 0
    while True:
        response = client.query(**request)
        total += int(response["Count"])
        if "LastEvaluatedKey" not in response:
            return total
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _boards_of(table_name: str, user_id: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").query(
        TableName=table_name,
        IndexName=GSI1_NAME,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": GSI1_PARTITION_KEY},
        ExpressionAttributeValues={":pk": {"S": f"USER#{user_id}"}},
    )["Items"]


def _fill(aws: Any, board_id: str) -> None:
    """TASKS tasks; the first ATTACHED_TASKS each with a ready attachment record and its file."""
    tasks = [Task(board_id=board_id, title=f"Task {number}", version=1) for number in range(TASKS)]
    attachments = [
        Attachment(
            board_id=board_id,
            task_id=task.task_id,
            file_name="plan.pdf",
            content_type="application/pdf",
            size=4,
            uploaded_by="user-editor",
            version=1,
        )
        for task in tasks[:ATTACHED_TASKS]
    ]
    items = [dump_item(model, TABLE_SCHEMA) for model in [*tasks, *attachments]]
    batch_write(boto3.client("dynamodb"), aws.table_name, [{"PutRequest": {"Item": item}} for item in items])
    s3 = boto3.client("s3")
    for attachment in attachments:
        key = AttachmentKey(board_id, attachment.task_id, attachment.attachment_id).served_key
        s3.put_object(Bucket=aws.bucket_name, Key=key, Body=b"%PDF")


def _objects(aws: Any) -> list[str]:
    listed = boto3.client("s3").list_object_versions(Bucket=aws.bucket_name)
    return [entry["Key"] for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]


@contextmanager
def _timing_out(monkeypatch: pytest.MonkeyPatch, after_batches: int) -> Iterator[None]:
    """BatchWriteItem works ``after_batches`` times, then the 'function' runs out of time."""
    real_call = BaseClient._make_api_call
    sent = {"BatchWriteItem": 0}

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "BatchWriteItem":
            sent["BatchWriteItem"] += 1
            if sent["BatchWriteItem"] > after_batches:
                raise SimulatedTimeoutError("the function ran out of time")
        return real_call(client, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", call)
        yield


def test_a_board_delete_interrupted_half_way_finishes_when_retried_and_leaves_nothing(
    api: Api, board: SeededBoard, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(aws, board.board_id)
    assert _count(aws.table_name, board.board_id) == 1 + 4 + 1 + TASKS + ATTACHED_TASKS
    assert len(_objects(aws)) == ATTACHED_TASKS
    path = f"/boards/{board.board_id}"

    with _timing_out(monkeypatch, after_batches=FAILING_AFTER_BATCHES):
        interrupted = api.call("DELETE", path, "owner")
    left = _count(aws.table_name, board.board_id)
    retried = api.call("DELETE", path, "owner")

    assert interrupted.status == 500
    assert 0 < left < TASKS, "the first attempt stopped half-way"
    assert retried.status == 204, f"{left} items left, then {retried.status}: {retried.body}"
    assert board_items(aws.table_name, board.board_id) == []
    assert _objects(aws) == []
    for user in ("user-owner", "user-editor", "user-viewer", "user-extra"):
        assert _boards_of(aws.table_name, user) == [], user
    assert api.call("GET", path, "owner").status == 404


def test_a_board_whose_deletion_started_takes_nothing_new_until_a_retry_finishes(
    api: Api, board: SeededBoard, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/boards/{board.board_id}"
    with _timing_out(monkeypatch, after_batches=0):
        interrupted = api.call("DELETE", path, "owner")

    task = api.call("POST", f"{path}/tasks", "editor", json_body={"title": "Too late"})
    member = api.call("PUT", f"{path}/members/user-late", "owner", json_body={"role": "viewer"})
    attachment = api.call(
        "POST",
        f"{path}/tasks/{board.task_id}/attachments",
        "editor",
        json_body={"fileName": "late.pdf", "contentType": "application/pdf", "size": 4},
    )
    retried = api.call("DELETE", path, "owner")

    assert interrupted.status == 500
    assert [(r.status, r.error) for r in (task, member, attachment)] == [(404, "not_found")] * 3
    assert retried.status == 204, retried.body
    assert board_items(aws.table_name, board.board_id) == []
    assert _boards_of(aws.table_name, "user-late") == []
