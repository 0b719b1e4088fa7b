"""Checking an uploaded file against its attachment record: the rules of the uploads function.

S3 sends ObjectCreated at least once, sometimes late and out of order, so every outcome is safe to
reach twice:

* a key outside ``attachments/{board}/{task}/{id}``, or one with no record (its task was deleted, or
  nobody asked for it), is an **orphan**: that object version is deleted;
* a **pending** record is settled once, atomically: **ready** when the stored size equals the declared
  size (within the limit), the stored Content-Type equals the declared one and the first bytes match
  the type; otherwise **rejected** with the reason, and the file is deleted;
* a record settled already is a **redelivery** when the event names the file that was checked: nothing
  changes (a rejected file is deleted again, in case the first delete failed). Any other file at a
  settled key came through the still-valid upload form after the check and was never checked itself:
  it is **discarded**, and the checked file stays.

Errors of S3 or DynamoDB propagate, so the function fails and S3's retries, then the on-failure queue,
apply.

Example:
    >>> uploads.process(Upload(key="attachments/B/T/A", version_id="3HL4kqtJ...", etag="9b2cf5..."))
    <Outcome.READY: 'ready'>
"""

from dataclasses import dataclass
from enum import StrEnum

from corkboard import settings
from corkboard.attachment_bucket import StoredObject
from corkboard.attachment_keys import AttachmentKey
from corkboard.file_types import SNIFF_BYTES, file_type
from corkboard.models import Attachment, AttachmentStatus
from corkboard.observability import logger, tracer
from corkboard.odm import ItemNotFoundError
from corkboard.services.store import attachment_bucket, repository

__all__ = ["Outcome", "Upload", "process"]


class Outcome(StrEnum):
    READY = "ready"
    REJECTED = "rejected"
    ORPHAN = "orphan"
    UNCHANGED = "unchanged"
    DISCARDED = "discarded"
    GONE = "gone"


@dataclass(frozen=True)
class Upload:
    """The object an ObjectCreated event names: its key (URL-decoded), version (if versioned) and ETag."""

    key: str
    version_id: str | None
    etag: str


@tracer.capture_method
def process(upload: Upload) -> Outcome:
    """Settle, discard or leave the attachment the uploaded object belongs to (see the module)."""
    ids = AttachmentKey.parse(upload.key)
    attachment = None if ids is None else repository().get_attachment(*ids)
    if ids is None or attachment is None:
        return _delete(upload, Outcome.ORPHAN)
    if attachment.status is not AttachmentStatus.PENDING:
        return _after_settlement(attachment, upload)
    stored = attachment_bucket().describe(upload.key)
    if stored is None:
        return Outcome.GONE
    try:
        return _settle(ids, attachment, stored)
    except ItemNotFoundError:
        # The task was deleted while the file was being checked; nothing will ever point at the file.
        return _delete(upload, Outcome.ORPHAN)


def _settle(ids: AttachmentKey, attachment: Attachment, stored: StoredObject) -> Outcome:
    reason = _metadata_problem(attachment, stored) or _content_problem(ids, attachment, stored)
    if reason is None:
        ready = repository().mark_attachment_ready(*ids, object_etag=stored.etag)
        return Outcome.UNCHANGED if ready is None else Outcome.READY
    rejected = repository().mark_attachment_rejected(*ids, reason=reason, object_etag=stored.etag)
    if rejected is None:
        return Outcome.UNCHANGED
    logger.info("upload rejected", extra={"key": ids.object_key, "reason": reason})
    # Marked first, deleted second: if the delete fails, the retried event finds "rejected" and deletes.
    attachment_bucket().delete_upload(ids.object_key, version_id=stored.version_id, etag=stored.etag)
    return Outcome.REJECTED


def _after_settlement(attachment: Attachment, upload: Upload) -> Outcome:
    if upload.etag != attachment.object_etag:
        return _delete(upload, Outcome.DISCARDED)
    if attachment.status is AttachmentStatus.REJECTED:
        return _delete(upload, Outcome.UNCHANGED)
    return Outcome.UNCHANGED


def _metadata_problem(attachment: Attachment, stored: StoredObject) -> str | None:
    limit = settings.attachment_max_bytes()
    if stored.size != attachment.size:
        return f"The file has {stored.size} bytes, not the {attachment.size} bytes declared."
    if stored.size > limit:
        return f"The file is larger than the limit of {limit} bytes."
    if stored.content_type != attachment.content_type:
        return f"The file was not stored as the declared type {attachment.content_type}."
    return None


def _content_problem(ids: AttachmentKey, attachment: Attachment, stored: StoredObject) -> str | None:
    kind = file_type(attachment.content_type)
    if kind is None:
        return f"Files of type {attachment.content_type} are no longer accepted."
    start = attachment_bucket().read_start(
        ids.object_key, etag=stored.etag, length=min(SNIFF_BYTES, stored.size)
    )
    if not kind.matches(start, complete=len(start) >= stored.size):
        return f"The file's content is not {attachment.content_type}."
    return None


def _delete(upload: Upload, outcome: Outcome) -> Outcome:
    attachment_bucket().delete_upload(upload.key, version_id=upload.version_id, etag=upload.etag)
    return outcome
