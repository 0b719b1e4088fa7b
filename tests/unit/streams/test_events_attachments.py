"""Attachments reach subscribers once: ``attachment.ready`` when a file has been checked, nothing else."""

import pytest
from broadcast_harness import EDITOR, VIEWER, Broadcast

from corkboard.models import Attachment, TaskStatus
from corkboard.views import AttachmentOut

NO_FAILURES = {"batchItemFailures": []}


@pytest.fixture
def pending(broadcast: Broadcast) -> Attachment:
    """A pending attachment on a new task of the board; the stream is read from after its creation."""
    task = broadcast.repository.create_task(
        broadcast.board_id, title="T", description="", status=TaskStatus.TODO, assignee=None, due_date=None
    )
    attachment = broadcast.repository.create_attachment(
        broadcast.board_id,
        task.task_id,
        file_name="plan.pdf",
        content_type="application/pdf",
        size=2048,
        uploaded_by=EDITOR,
    )
    broadcast.tap.records()
    return attachment


def _ids(attachment: Attachment) -> tuple[str, str, str]:
    return attachment.board_id, attachment.task_id, attachment.attachment_id


def _claim(broadcast: Broadcast, attachment: Attachment, etag: str) -> None:
    """The uploads function takes the upload on: a change of the pending record, not for subscribers."""
    claimed = broadcast.repository.claim_attachment_upload(
        attachment, object_etag=etag, object_version_id=None
    )
    assert claimed is not None


def test_a_checked_file_reaches_subscribers_as_attachment_ready(
    broadcast: Broadcast, pending: Attachment
) -> None:
    listener = broadcast.listen("c-viewer", VIEWER)
    _claim(broadcast, pending, "9b2cf535f27731c9")
    ready = broadcast.repository.mark_attachment_ready(*_ids(pending), object_etag="9b2cf535f27731c9")

    assert broadcast.deliver() == NO_FAILURES

    assert ready is not None
    [frame] = broadcast.received(listener)
    assert (frame["type"], frame["boardId"]) == ("attachment.ready", broadcast.board_id)
    assert frame["data"] == AttachmentOut.of(ready).model_dump(mode="json")
    assert frame["data"]["status"] == "ready"
    assert not {"objectEtag", "object_etag", "downloadUrl"} & set(frame["data"])


def test_a_rejection_and_a_new_upload_mean_nothing_to_subscribers(
    broadcast: Broadcast, pending: Attachment
) -> None:
    listener = broadcast.listen("c-viewer", VIEWER)
    _claim(broadcast, pending, "e")
    broadcast.repository.mark_attachment_rejected(*_ids(pending), reason="Not a PDF.", object_etag="e")
    broadcast.repository.create_attachment(
        pending.board_id,
        pending.task_id,
        file_name="b.csv",
        content_type="text/csv",
        size=1,
        uploaded_by=EDITOR,
    )

    assert broadcast.deliver() == NO_FAILURES

    assert broadcast.received(listener) == []


def test_deleting_a_ready_attachment_with_its_task_sends_only_task_deleted(
    broadcast: Broadcast, pending: Attachment
) -> None:
    _claim(broadcast, pending, "e")
    broadcast.repository.mark_attachment_ready(*_ids(pending), object_etag="e")
    broadcast.tap.records()
    listener = broadcast.listen("c-viewer", VIEWER)

    broadcast.repository.delete_task(pending.board_id, pending.task_id)

    assert broadcast.deliver() == NO_FAILURES
    assert broadcast.types_received(listener) == ["task.deleted"]
