"""Attachments over REST: editors and the owner start uploads; every member (and admins) lists them.

An upload is two steps, so the file never passes through Lambda: :func:`start_upload` checks the
declared name, type and size, stores a ``pending`` record and returns a presigned POST form for the
incoming key; the client sends the file straight to S3, and the uploads function
(:mod:`corkboard.services.uploads`) checks it, copies it to the served key and settles the record. Only a
``ready`` attachment gets a download link, and it names the served key, which holds only checked files.

Example:
    >>> started = attachments.start_upload(caller, board_id, task_id, file_name="plan.pdf",
    ...                                    content_type="application/pdf", size=48_213)
    >>> started.upload.url, started.upload.fields   # POST these, then the file, to S3
"""

from dataclasses import dataclass

from corkboard import settings
from corkboard.attachment_bucket import PresignedUpload
from corkboard.attachment_keys import AttachmentKey
from corkboard.errors import FileTooLargeError, ResourceNotFoundError, UnsupportedFileTypeError
from corkboard.file_types import ALLOWED_FILE_TYPES, file_type
from corkboard.identity import Caller
from corkboard.models import Attachment, AttachmentStatus, Role
from corkboard.observability import tracer
from corkboard.repository import Page
from corkboard.services.board_access import authorize
from corkboard.services.store import attachment_bucket, repository

__all__ = ["ListedAttachment", "StartedUpload", "authorize_upload", "list_attachments", "start_upload"]


@dataclass(frozen=True)
class StartedUpload:
    """The pending record and the form that uploads its file."""

    attachment: Attachment
    upload: PresignedUpload


@dataclass(frozen=True)
class ListedAttachment:
    """An attachment and, once it is ready, a short-lived link that downloads it."""

    attachment: Attachment
    download_url: str | None


def authorize_upload(caller: Caller, board_id: str) -> None:
    """Refuse (404/403) a caller who may not attach files on the board; a replayed start is checked too."""
    authorize(caller, board_id, Role.EDITOR)


@tracer.capture_method
def start_upload(
    caller: Caller, board_id: str, task_id: str, *, file_name: str, content_type: str, size: int
) -> StartedUpload:
    """Record a pending attachment and sign its upload; 415 for a type not allowed, 413 over the limit."""
    authorize_upload(caller, board_id)
    kind = file_type(content_type)
    if kind is None:
        raise UnsupportedFileTypeError(content_type, ALLOWED_FILE_TYPES)
    limit = settings.attachment_max_bytes()
    if size > limit:
        raise FileTooLargeError(size, limit)
    attachment = repository().create_attachment(
        board_id,
        task_id,
        file_name=file_name,
        content_type=kind.content_type,
        size=size,
        uploaded_by=caller.user_id,
    )
    upload = attachment_bucket().presign_upload(
        _keys(attachment).upload_key, content_type=attachment.content_type, size=attachment.size
    )
    return StartedUpload(attachment, upload)


@tracer.capture_method
def list_attachments(
    caller: Caller, board_id: str, task_id: str, *, limit: int, cursor: str | None
) -> Page[ListedAttachment]:
    """The task's attachments, newest first, with download links for the ready ones."""
    authorize(caller, board_id, Role.VIEWER)
    if repository().get_task(board_id, task_id) is None:
        raise ResourceNotFoundError("Task", task_id)
    page = repository().list_attachments(board_id, task_id, limit=limit, cursor=cursor)
    return Page([ListedAttachment(item, _download_url(item)) for item in page.items], page.next_cursor)


def _download_url(attachment: Attachment) -> str | None:
    if attachment.status is not AttachmentStatus.READY:
        return None
    return attachment_bucket().presign_download(
        _keys(attachment).served_key, file_name=attachment.file_name, content_type=attachment.content_type
    )


def _keys(attachment: Attachment) -> AttachmentKey:
    return AttachmentKey(attachment.board_id, attachment.task_id, attachment.attachment_id)
