"""The uploads function: what it accepts, what it rejects and deletes, and why redelivery changes nothing.

AWS refuses an upload whose type or size breaks the form's policy before it is stored; moto does not
(test_attachments_moto_post_policy.py), so these tests upload the bad file anyway and prove that the
function, the second line of defence, rejects it and deletes it.
"""

from typing import Any

import pytest
import requests
from rest_harness import SeededBoard
from upload_harness import GIF, PDF, PNG, Uploads, served_key

from corkboard.table_design import ENV_ATTACHMENT_MAX_BYTES

WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
GIF87 = b"GIF87a" + GIF[6:]
HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("image/png", PNG),
        ("image/jpeg", JPEG),
        ("image/gif", GIF),
        ("image/gif", GIF87),
        ("image/webp", WEBP),
        ("application/pdf", PDF),
        ("text/plain", "Grüße aus Köln\n".encode()),
        ("text/csv", b"title,status\nShip it,done\n"),
    ],
)
def test_each_allowed_type_with_its_own_bytes_is_ready(
    uploads: Uploads, content_type: str, content: bytes
) -> None:
    attachment = uploads.attach(content, content_type=content_type)

    assert uploads.process(attachment) == {"ready": 1}
    assert uploads.only_item()["status"] == "ready"


def _assert_rejected_and_deleted(uploads: Uploads, reason: str) -> None:
    item = uploads.only_item()
    assert (item["status"], item["downloadUrl"]) == ("rejected", None)
    assert item["rejectionReason"] == reason
    assert uploads.object_versions() == []


def test_a_file_sent_as_another_type_is_rejected_and_deleted(uploads: Uploads) -> None:
    started = uploads.start(content_type="image/png", size=len(PNG))
    uploads.send(started.body["upload"], PNG, **{"Content-Type": "text/html"})

    outcomes = uploads.process(started.body["attachment"])

    assert outcomes == {"rejected": 1}
    _assert_rejected_and_deleted(uploads, "The file was not stored as the declared type image/png.")


def test_bytes_that_are_not_the_declared_type_are_rejected_and_deleted(uploads: Uploads) -> None:
    attachment = uploads.attach(HTML, content_type="image/png")

    assert uploads.process(attachment) == {"rejected": 1}
    _assert_rejected_and_deleted(uploads, "The file's content is not image/png.")


@pytest.mark.parametrize(
    "content", [b"title\x00status\n", b"caf\xe9\n"], ids=["NUL byte", "not UTF-8 (Latin-1)"]
)
def test_text_that_is_not_clean_utf8_is_rejected(uploads: Uploads, content: bytes) -> None:
    attachment = uploads.attach(content, content_type="text/csv")

    assert uploads.process(attachment) == {"rejected": 1}
    _assert_rejected_and_deleted(uploads, "The file's content is not text/csv.")


def test_text_longer_than_the_sniffed_start_is_checked_only_there(uploads: Uploads) -> None:
    # 8 KiB of text with a multi-byte character cut by the end of the range read: still valid text.
    content = b"a" * 8191 + "é".encode() + b" and more text"
    attachment = uploads.attach(content, content_type="text/plain")

    assert uploads.process(attachment) == {"ready": 1}


def test_a_file_bigger_than_declared_is_rejected_and_deleted(uploads: Uploads) -> None:
    started = uploads.start(content_type="image/png", size=len(PNG))
    uploads.send(started.body["upload"], PNG + bytes(1000))

    assert uploads.process(started.body["attachment"]) == {"rejected": 1}
    _assert_rejected_and_deleted(
        uploads, f"The file has {len(PNG) + 1000} bytes, not the {len(PNG)} bytes declared."
    )


def test_a_file_over_a_limit_lowered_since_it_was_declared_is_rejected(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    attachment = uploads.attach(PNG)
    monkeypatch.setenv(ENV_ATTACHMENT_MAX_BYTES, str(len(PNG) - 1))

    assert uploads.process(attachment) == {"rejected": 1}
    _assert_rejected_and_deleted(uploads, f"The file is larger than the limit of {len(PNG) - 1} bytes.")


@pytest.mark.parametrize(
    "key",
    [
        "incoming/not-enough-parts",
        "incoming/board/task/attachment/extra",
        "incoming/some board/é task/attach ment",
        "elsewhere/file.png",
    ],
)
def test_an_object_outside_the_key_layout_is_an_orphan_and_deleted(uploads: Uploads, key: str) -> None:
    uploads.s3.put_object(Bucket=uploads.bucket, Key=key, Body=PNG)

    assert uploads.process(key) == {"orphan": 1}
    assert uploads.object_versions("") == []


def test_an_object_with_no_record_is_an_orphan_and_deleted(uploads: Uploads, board: SeededBoard) -> None:
    key = f"incoming/{board.board_id}/{board.task_id}/01JNOSUCHATTACHMENT0000000"
    uploads.s3.put_object(Bucket=uploads.bucket, Key=key, Body=PNG)

    assert uploads.process(key) == {"orphan": 1}
    assert uploads.object_versions() == []


def test_an_upload_landing_after_its_task_was_deleted_is_an_orphan(uploads: Uploads) -> None:
    started = uploads.start()
    deleted = uploads.api.call("DELETE", f"/boards/{uploads.board.board_id}/tasks/{uploads.board.task_id}")

    uploads.send(started.body["upload"], PNG)
    outcomes = uploads.process(started.body["attachment"])

    assert deleted.status == 204
    assert outcomes == {"orphan": 1}
    assert uploads.object_versions() == []


def _without_link(item: dict[str, Any]) -> dict[str, Any]:
    # A download link is signed afresh for every list, so two lists of the same record differ in it.
    return {name: value for name, value in item.items() if name != "downloadUrl"}


def test_a_redelivered_event_changes_nothing(uploads: Uploads) -> None:
    attachment = uploads.attach(PNG)
    event = uploads.object_created_event(attachment)
    uploads.deliver(event)
    settled = uploads.only_item()
    versions = uploads.object_versions()

    outcomes = uploads.deliver(event)

    assert outcomes == {"unchanged": 1}
    assert _without_link(uploads.only_item()) == _without_link(settled)
    assert uploads.object_versions() == versions


def test_a_redelivered_rejection_changes_nothing(uploads: Uploads) -> None:
    attachment = uploads.attach(HTML, content_type="image/png")
    event = uploads.object_created_event(attachment)
    uploads.deliver(event)
    rejected = uploads.only_item()

    outcomes = uploads.deliver(event)

    assert outcomes == {"unchanged": 1}
    assert uploads.only_item() == rejected
    assert uploads.object_versions() == []


def test_a_second_upload_through_the_same_form_is_discarded_and_the_checked_file_stays(
    uploads: Uploads,
) -> None:
    started = uploads.start()
    uploads.send(started.body["upload"], PNG)
    uploads.process(started.body["attachment"])
    impostor = HTML.ljust(len(PNG), b" ")

    uploads.send(started.body["upload"], impostor)
    outcomes = uploads.process(started.body["attachment"])

    assert outcomes == {"discarded": 1}
    assert [version["IsLatest"] for version in uploads.object_versions()] == [True]
    assert requests.get(uploads.only_item()["downloadUrl"], timeout=10).content == PNG


@pytest.mark.parametrize("bucket_versioned", [False], ids=["unversioned bucket"])
def test_a_late_event_never_deletes_the_checked_file_in_an_unversioned_bucket(
    uploads: Uploads, bucket_versioned: bool
) -> None:
    started = uploads.start()
    uploads.send(started.body["upload"], HTML.ljust(len(PNG), b" "))
    impostor_event = uploads.object_created_event(started.body["attachment"])
    uploads.send(started.body["upload"], PNG)
    uploads.process(started.body["attachment"])

    outcomes = uploads.deliver(impostor_event)

    assert outcomes == {"discarded": 1}
    assert uploads.only_item()["status"] == "ready"
    assert requests.get(uploads.only_item()["downloadUrl"], timeout=10).content == PNG
    assert [version["Key"] for version in uploads.object_versions()] == [
        served_key(started.body["attachment"])
    ]
