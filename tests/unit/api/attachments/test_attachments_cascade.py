"""Deleting a task or a board leaves no attachment behind: no record, no object, no old version, no marker."""

from typing import Any

import pytest
from botocore.client import BaseClient
from rest_harness import SeededBoard, board_items
from upload_harness import PDF, PNG, Uploads, served_key

from corkboard.attachment_keys import board_prefixes, task_prefixes
from corkboard.repository import CorkboardRepository
from corkboard.table_design import SORT_KEY


def _attachment_records(table_name: str, board_id: str) -> list[dict[str, Any]]:
    return [item for item in board_items(table_name, board_id) if item[SORT_KEY]["S"].startswith("ATTACH#")]


def _versions(uploads: Uploads, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    return [version for prefix in prefixes for version in uploads.object_versions(prefix)]


def _fill_task(uploads: Uploads, task_id: str) -> None:
    """Four object versions: a ready file's two served versions and a delete marker, and a pending upload.

    A rejected upload is there too, as a record only: its file was deleted when it was rejected (and the
    ready file's upload when it was published).
    """
    ready = uploads.attach(PNG, task_id=task_id, file_name="ready.png")
    uploads.process(ready)
    uploads.s3.put_object(Bucket=uploads.bucket, Key=served_key(ready), Body=PNG, ContentType="image/png")
    uploads.s3.delete_object(Bucket=uploads.bucket, Key=served_key(ready))
    uploads.process(uploads.attach(b"%PDF? no", content_type="application/pdf", task_id=task_id))
    uploads.attach(PDF, content_type="application/pdf", task_id=task_id, file_name="pending.pdf")


def test_task_delete_leaves_no_object_version_and_no_record(
    uploads: Uploads, board: SeededBoard, aws: Any
) -> None:
    other_task = uploads.api.call("POST", f"/boards/{board.board_id}/tasks", json_body={"title": "Keep"})
    kept_task_id = other_task.body["taskId"]
    _fill_task(uploads, board.task_id)
    kept = uploads.attach(PNG, task_id=kept_task_id)
    assert len(_versions(uploads, task_prefixes(board.board_id, board.task_id))) == 4

    response = uploads.api.call("DELETE", f"/boards/{board.board_id}/tasks/{board.task_id}", "editor")

    assert response.status == 204
    assert _versions(uploads, task_prefixes(board.board_id, board.task_id)) == []
    assert [
        record["attachment_id"]["S"] for record in _attachment_records(aws.table_name, board.board_id)
    ] == [kept["attachmentId"]]
    assert len(_versions(uploads, task_prefixes(board.board_id, kept_task_id))) == 1


def test_board_delete_leaves_no_object_version_and_no_record(
    uploads: Uploads, board: SeededBoard, aws: Any
) -> None:
    second = uploads.api.call("POST", f"/boards/{board.board_id}/tasks", json_body={"title": "Second"})
    _fill_task(uploads, board.task_id)
    _fill_task(uploads, second.body["taskId"])
    assert len(_versions(uploads, board_prefixes(board.board_id))) == 8

    response = uploads.api.call("DELETE", f"/boards/{board.board_id}", "owner")

    assert response.status == 204
    assert uploads.object_versions("") == []
    assert board_items(aws.table_name, board.board_id) == []


def test_a_failed_object_deletion_keeps_the_records_for_a_retry_to_finish(
    uploads: Uploads, board: SeededBoard, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_task(uploads, board.task_id)
    records = _attachment_records(aws.table_name, board.board_id)
    real_call = BaseClient._make_api_call

    def refusing(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "DeleteObjects":
            keys = params["Delete"]["Objects"]
            return {"Errors": [{"Key": key["Key"], "Code": "InternalError"} for key in keys]}
        return real_call(client, operation, params)

    path = f"/boards/{board.board_id}/tasks/{board.task_id}"
    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", refusing)
        failed = uploads.api.call("DELETE", path, "editor")

    assert (failed.status, failed.error) == (500, "internal_error")
    assert _attachment_records(aws.table_name, board.board_id) == records
    assert uploads.api.call("GET", path).status == 200

    retried = uploads.api.call("DELETE", path, "editor")

    assert retried.status == 204
    assert uploads.object_versions() == []
    assert _attachment_records(aws.table_name, board.board_id) == []


def test_a_file_uploaded_while_its_task_is_deleted_is_swept_after_the_records(
    uploads: Uploads, board: SeededBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = uploads.start()
    real_delete_task = CorkboardRepository.delete_task

    def upload_first(repository: CorkboardRepository, *args: Any, **kwargs: Any) -> None:
        # Between the first sweep and the records' deletion: the file is checked while its record exists.
        uploads.send(started.body["upload"], PNG)
        assert uploads.process(started.body["attachment"]) == {"ready": 1}
        real_delete_task(repository, *args, **kwargs)

    monkeypatch.setattr(CorkboardRepository, "delete_task", upload_first)

    response = uploads.api.call("DELETE", f"/boards/{board.board_id}/tasks/{board.task_id}", "editor")

    assert response.status == 204
    assert uploads.object_versions() == []
