"""An attachment's life over real HTTP: ask for a form, upload to S3, get checked, list, download."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from rest_harness import SeededBoard
from upload_harness import PDF, PNG, Uploads, upload_key

from corkboard.attachment_bucket import UPLOAD_URL_SECONDS


@pytest.mark.parametrize("bucket_versioned", [True, False], ids=["versioned bucket", "unversioned bucket"])
def test_a_file_goes_up_is_checked_and_comes_down_as_a_download(
    uploads: Uploads, board: SeededBoard, bucket_versioned: bool
) -> None:
    started = uploads.start(content_type="image/png", size=len(PNG), file_name="diagram.png")
    assert started.status == 201, started.body
    attachment = started.body["attachment"]
    assert attachment["status"] == "pending"
    assert uploads.only_item()["downloadUrl"] is None

    sent = uploads.send(started.body["upload"], PNG)
    outcomes = uploads.process(attachment)

    assert sent.status_code == 204
    assert outcomes == {"ready": 1}
    item = uploads.only_item()
    assert item["status"] == "ready"
    assert item["version"] == attachment["version"] + 2, "claimed by the upload, then settled"
    download = requests.get(item["downloadUrl"], timeout=10)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"diagram.png\"; filename*=UTF-8''diagram.png"
    )


def test_the_post_answers_the_pending_record_and_a_five_minute_form(uploads: Uploads) -> None:
    before = datetime.now(UTC)

    started = uploads.start(content_type="application/pdf", size=len(PDF), file_name="plan.pdf")

    attachment, upload = started.body["attachment"], started.body["upload"]
    assert set(attachment) == {
        "boardId",
        "taskId",
        "attachmentId",
        "fileName",
        "contentType",
        "size",
        "status",
        "rejectionReason",
        "uploadedBy",
        "createdAt",
        "updatedAt",
        "version",
    }
    assert (attachment["fileName"], attachment["contentType"], attachment["size"]) == (
        "plan.pdf",
        "application/pdf",
        len(PDF),
    )
    assert (attachment["status"], attachment["uploadedBy"], attachment["version"]) == (
        "pending",
        "user-editor",
        1,
    )
    lifetime = timedelta(seconds=UPLOAD_URL_SECONDS)
    assert before + lifetime <= datetime.fromisoformat(upload["expiresAt"]) <= datetime.now(UTC) + lifetime
    assert upload["fields"]["key"] == upload_key(attachment)
    assert upload["fields"]["Content-Type"] == "application/pdf"


def test_the_form_policy_pins_the_key_the_type_and_the_exact_size(uploads: Uploads) -> None:
    started = uploads.start(content_type="application/pdf", size=len(PDF))
    fields = started.body["upload"]["fields"]

    policy = json.loads(base64.b64decode(fields["policy"]))

    key = upload_key(started.body["attachment"])
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert {"key": key} in policy["conditions"]
    assert {"bucket": uploads.bucket} in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert ["content-length-range", len(PDF), len(PDF)] in policy["conditions"]
    expiration = datetime.fromisoformat(policy["expiration"])
    assert timedelta(0) < expiration - datetime.now(UTC) <= timedelta(seconds=UPLOAD_URL_SECONDS)


def test_a_declared_type_is_stored_and_pinned_in_its_normal_form(uploads: Uploads) -> None:
    started = uploads.start(content_type=" Image/PNG ", size=len(PNG))

    assert started.status == 201, started.body
    assert started.body["attachment"]["contentType"] == "image/png"
    assert started.body["upload"]["fields"]["Content-Type"] == "image/png"


def test_a_name_outside_ascii_downloads_under_its_exact_name(uploads: Uploads) -> None:
    content = "naïve, café\n".encode()
    attachment = uploads.attach(content, content_type="text/plain", file_name='Résumé "final".txt')
    uploads.process(attachment)

    download = requests.get(uploads.only_item()["downloadUrl"], timeout=10)

    assert download.content == content
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"R_sum_ _final_.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.txt"
    )


def test_a_retried_post_with_its_idempotency_key_gets_the_same_upload(uploads: Uploads) -> None:
    headers = {"Idempotency-Key": "attach-plan-1"}

    first = uploads.start(headers=headers)
    again = uploads.start(headers=headers)

    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert len(uploads.listing()) == 1


def test_the_same_idempotency_key_for_another_file_is_refused(uploads: Uploads) -> None:
    headers = {"Idempotency-Key": "attach-plan-2"}
    uploads.start(headers=headers, file_name="one.png")

    other = uploads.start(headers=headers, file_name="two.png")

    assert (other.status, other.error) == (422, "idempotency_key_reused")


def test_attachments_list_newest_first_in_full_pages(uploads: Uploads) -> None:
    names = [f"page-{number}.pdf" for number in range(3)]
    for name in names:
        uploads.start(content_type="application/pdf", size=len(PDF), file_name=name)

    first = uploads.api.call("GET", uploads.path(), "viewer", query={"limit": "2"})
    second = uploads.api.call(
        "GET", uploads.path(), "viewer", query={"limit": "2", "cursor": first.body["nextCursor"]}
    )

    listed = [item["fileName"] for item in first.body["items"] + second.body["items"]]
    assert listed == list(reversed(names))
    assert second.body["nextCursor"] is None


def test_a_cursor_of_one_task_is_refused_on_another(uploads: Uploads, board: SeededBoard) -> None:
    for _ in range(2):
        uploads.start()
    other_task = uploads.api.call("POST", f"/boards/{board.board_id}/tasks", json_body={"title": "B"})
    cursor = uploads.api.call("GET", uploads.path(), query={"limit": "1"}).body["nextCursor"]

    response = uploads.api.call(
        "GET", uploads.path(other_task.body["taskId"]), query={"limit": "1", "cursor": cursor}
    )

    assert (response.status, response.error) == (400, "invalid_cursor")


def test_only_ready_attachments_carry_a_download_link(uploads: Uploads) -> None:
    ready = uploads.attach(PNG, file_name="ready.png")
    uploads.process(ready)
    uploads.attach(PNG, file_name="pending.png")

    items = uploads.listing()

    assert {item["fileName"]: item["downloadUrl"] is not None for item in items} == {
        "ready.png": True,
        "pending.png": False,
    }


def test_a_removed_member_replaying_a_key_gets_no_upload_form(uploads: Uploads) -> None:
    headers = {"Idempotency-Key": "attach-plan-3"}
    first = uploads.start(headers=headers)
    uploads.api.call("DELETE", f"/boards/{uploads.board.board_id}/members/user-editor")

    replay = uploads.start(headers=headers)

    assert first.status == 201
    assert (replay.status, replay.error) == (404, "not_found")
    assert "upload" not in replay.body
