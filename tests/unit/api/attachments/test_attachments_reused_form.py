"""The upload form stays valid for minutes: re-using it can neither replace nor delete the checked file.

Issue 12, finding 4: posting other bytes through a form already used made the download serve them (an
HTML page) until the uploads function ran, and in an unversioned bucket the function then deleted the
object while the record still said ``ready``. Each test runs on a versioned bucket (prod) and an
unversioned one (dev). Events are built for the key the form names, whatever that key is.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from upload_harness import PNG, Uploads

from corkboard.attachment_bucket import s3_client
from corkboard.table_design import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

HTML = b"<html><script>alert(document.cookie)</script></html>".ljust(len(PNG), b" ")
BOTH_BUCKETS = pytest.mark.parametrize(
    "bucket_versioned", [True, False], ids=["versioned bucket", "unversioned bucket"]
)


def _form_key(form: Mapping[str, Any]) -> str:
    return str(form["fields"]["key"])


def _served(uploads: Uploads) -> bytes | None:
    """What the attachment's download link serves now (a fresh link from a fresh listing), if it has one."""
    link = uploads.only_item()["downloadUrl"]
    if link is None:
        return None
    return requests.get(link, timeout=10).content


@BOTH_BUCKETS
def test_a_reused_form_neither_replaces_nor_deletes_the_checked_file(
    uploads: Uploads, bucket_versioned: bool
) -> None:
    form = uploads.start().body["upload"]
    uploads.send(form, PNG)
    assert uploads.process(_form_key(form)) == {"ready": 1}

    uploads.send(form, HTML)
    served_before_its_event = _served(uploads)
    outcomes = uploads.process(_form_key(form))
    served_after_its_event = _served(uploads)

    assert served_before_its_event == PNG
    assert outcomes == {"discarded": 1}
    assert uploads.only_item()["status"] == "ready"
    assert served_after_its_event == PNG


@BOTH_BUCKETS
def test_a_file_replaced_while_it_is_being_checked_is_never_served(
    uploads: Uploads, bucket_versioned: bool
) -> None:
    form = uploads.start().body["upload"]
    uploads.send(form, PNG)
    checked_event = uploads.object_created_event(_form_key(form))
    replaced: list[bool] = []

    def replace_once(**_: Any) -> None:
        # Right after the function has read the file's first bytes: the form is used again.
        if not replaced:
            replaced.append(True)
            uploads.send(form, HTML)

    s3_client().meta.events.register("after-call.s3.GetObject", replace_once)
    first = uploads.deliver(checked_event)
    served_between = _served(uploads)
    second = uploads.process(_form_key(form))

    item = uploads.only_item()
    if bucket_versioned:
        # The version that was checked is the one published; the later one is discarded.
        assert served_between == PNG
        assert (first, second, item["status"]) == ({"ready": 1}, {"discarded": 1}, "ready")
        assert _served(uploads) == PNG
    else:
        # The checked bytes are gone from the only key that held them; the bytes that replaced them are
        # checked in turn, and fail.
        assert served_between is None
        assert (first, second, item["status"]) == ({"gone": 1}, {"rejected": 1}, "rejected")
        assert _served(uploads) is None


def _raw_record(aws: Any, view: Mapping[str, Any]) -> dict[str, Any]:
    key = {
        PARTITION_KEY: {"S": f"BOARD#{view['boardId']}"},
        SORT_KEY: {"S": f"ATTACH#{view['taskId']}#{view['attachmentId']}"},
    }
    return dict(boto3.client("dynamodb").get_item(TableName=aws.table_name, Key=key)["Item"])


def test_a_pending_attachment_expires_unless_its_file_arrives(uploads: Uploads, aws: Any) -> None:
    before = datetime.now(UTC)
    started = uploads.start()
    pending = _raw_record(aws, started.body["attachment"])

    uploads.send(started.body["upload"], PNG)
    uploads.process(_form_key(started.body["upload"]))
    settled = _raw_record(aws, started.body["attachment"])

    assert TTL_ATTRIBUTE in pending, "a pending record carries a TTL"
    expires = datetime.fromtimestamp(int(pending[TTL_ATTRIBUTE]["N"]), UTC)
    assert before + timedelta(hours=23) < expires <= datetime.now(UTC) + timedelta(days=1)
    assert TTL_ATTRIBUTE not in settled, "a checked file's record stays"
