"""Checking an uploaded file and publishing it: the rules of the uploads function.

Uploads land at ``incoming/{board}/{task}/{id}``, which nothing serves; a download link only ever names
``attachments/{board}/{task}/{id}``, which only this function writes, by copying an upload it has checked.
So the file a download serves is always one that was checked, and an upload form re-used after the check
(it stays valid for minutes) can only ever write to the incoming key, never replace or delete the served
file.

S3 sends ObjectCreated at least once, sometimes late and out of order, so every outcome is safe to
reach twice:

* a key outside ``incoming/{board}/{task}/{id}``, or one with no record (its task was deleted, the record
  expired, or nobody asked for it), is an **orphan**: that object version is deleted;
* for a **pending** record, the upload first claims it (its ETag and version go on the record, written
  only if the record is unchanged since it was read), so of two uploads through one form only one is ever
  checked. It is then **ready** when the stored size equals the declared size (within the limit), the
  stored Content-Type equals the declared one and the first bytes match the type: exactly that version
  (and ETag) is copied to the served key, the record is settled, and the upload is deleted. Otherwise it
  is **rejected** with the reason, and the upload is deleted. A claim whose upload is gone (in an
  unversioned bucket, overwritten before it was copied) is taken over by the upload now there;
* an upload that is gone or replaced before it is checked or copied is **gone**: its successor has an
  event of its own;
* a record settled already is a **redelivery** when the event names the upload that was checked, and
  **discarded** otherwise; either way the upload is deleted, and the served file is never touched.

Errors of S3 or DynamoDB propagate, so the function fails and S3's retries, then the on-failure queue,
apply.

Example:
    >>> uploads.process(Upload(key="incoming/B/T/A", version_id="3HL4kqtJ...", etag="9b2cf5..."))
    <Outcome.READY: 'ready'>
"""

from dataclasses import dataclass
from enum import StrEnum

from corkboard import settings
from corkboard.attachment_bucket import StoredObject, UploadReplacedError
from corkboard.attachment_keys import AttachmentKey
from corkboard.file_types import SNIFF_BYTES, file_type
from corkboard.models import Attachment, AttachmentStatus
from corkboard.observability import logger, tracer
from corkboard.services.store import attachment_bucket, repository
from dynamo_odm import ItemNotFoundError

__all__ = ["Outcome", "Upload", "process"]

# Reads of a record that another upload's claim changed while this one was deciding.
_CLAIM_ATTEMPTS = 3


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
    """Publish, reject, discard or leave the upload, and settle its attachment (see the module)."""
    ids = AttachmentKey.parse_upload(upload.key)
    attachment = None if ids is None else repository().get_attachment(*ids)
    if ids is None or attachment is None:
        return _delete(upload, Outcome.ORPHAN)
    try:
        return _process_record(upload, ids, attachment)
    except ItemNotFoundError:
        # The task was deleted (or the record expired) while the file was being checked.
        return _delete(upload, Outcome.ORPHAN)


def _process_record(upload: Upload, ids: AttachmentKey, attachment: Attachment) -> Outcome:
    for _ in range(_CLAIM_ATTEMPTS):
        if attachment.status is not AttachmentStatus.PENDING:
            return _delete(upload, _after_settlement(attachment, upload))
        stored = attachment_bucket().describe(upload.key, version_id=upload.version_id, etag=upload.etag)
        if stored is None:
            return Outcome.GONE
        if _claimed_by_another(ids, attachment, stored):
            return _delete(upload, Outcome.DISCARDED)
        claimed = repository().claim_attachment_upload(
            attachment, object_etag=stored.etag, object_version_id=stored.version_id
        )
        if claimed is not None:
            return _check_and_settle(ids, claimed, stored)
        current = repository().get_attachment(*ids)
        if current is None:
            raise ItemNotFoundError(Attachment.__name__, ids._asdict())
        attachment = current
    return _delete(upload, Outcome.DISCARDED)


def _claimed_by_another(ids: AttachmentKey, attachment: Attachment, stored: StoredObject) -> bool:
    """Whether another upload holds the claim and is still there to be checked."""
    holder = attachment.object_etag
    if holder is None or (holder, attachment.object_version_id) == (stored.etag, stored.version_id):
        return False
    still_there = attachment_bucket().describe(
        ids.upload_key, version_id=attachment.object_version_id, etag=holder
    )
    return still_there is not None


def _check_and_settle(ids: AttachmentKey, attachment: Attachment, stored: StoredObject) -> Outcome:
    upload = Upload(ids.upload_key, stored.version_id, stored.etag)
    reason = _metadata_problem(attachment, stored) or _content_problem(ids, attachment, stored)
    if reason is not None:
        rejected = repository().mark_attachment_rejected(*ids, reason=reason, object_etag=stored.etag)
        if rejected is not None:
            logger.info("upload rejected", extra={"key": ids.upload_key, "reason": reason})
        # Marked first, deleted second: if the delete fails, the retried event finds "rejected" and deletes.
        return _delete(upload, Outcome.UNCHANGED if rejected is None else Outcome.REJECTED)
    try:
        attachment_bucket().publish(
            ids.upload_key, ids.served_key, version_id=stored.version_id, etag=stored.etag
        )
    except UploadReplacedError:
        return Outcome.GONE
    ready = repository().mark_attachment_ready(*ids, object_etag=stored.etag)
    # Copied, then marked, then deleted: a failure at any step leaves what a retried event finishes.
    return _delete(upload, Outcome.UNCHANGED if ready is None else Outcome.READY)


def _after_settlement(attachment: Attachment, upload: Upload) -> Outcome:
    return Outcome.UNCHANGED if upload.etag == attachment.object_etag else Outcome.DISCARDED


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
        ids.upload_key,
        etag=stored.etag,
        version_id=stored.version_id,
        length=min(SNIFF_BYTES, stored.size),
    )
    if not kind.matches(start, complete=len(start) >= stored.size):
        return f"The file's content is not {attachment.content_type}."
    return None


def _delete(upload: Upload, outcome: Outcome) -> Outcome:
    attachment_bucket().delete_upload(upload.key, version_id=upload.version_id, etag=upload.etag)
    return outcome
