"""Corkboard's stored records (boards, memberships, tasks, attachments) and where each lives in the table.

Key layout (see docs and ``corkboard.table_design`` for the attribute names)::

    Board       pk=BOARD#{board_id}  sk=META
    Membership  pk=BOARD#{board_id}  sk=MEMBER#{user_id}   gsi1pk=USER#{user_id}  gsi1sk=BOARD#{board_id}
    Task        pk=BOARD#{board_id}  sk=TASK#{task_id}
                gsi2pk=BOARD#{board_id}#STATUS#{status}  gsi2sk={task_id}
    Attachment  pk=BOARD#{board_id}  sk=ATTACH#{task_id}#{attachment_id}

A board and everything on it share one partition, so a board reads and deletes with Queries alone.
GSI1 lists a user's boards; GSI2 lists one board's tasks in one status, so that list reads no other task.
Timestamps are timezone-aware and normalised to UTC; they are stored as ISO-8601 strings.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field

from corkboard.ids import new_ulid
from corkboard.table_design import (
    GSI1_PARTITION_KEY,
    GSI1_SORT_KEY,
    GSI2_PARTITION_KEY,
    GSI2_SORT_KEY,
    INCOMING_EXPIRY_DAYS,
    PARTITION_KEY,
    SORT_KEY,
)
from corkboard.timestamps import UtcDatetime, utc_now
from dynamo_odm import Model

__all__ = [
    "Attachment",
    "AttachmentStatus",
    "Board",
    "Membership",
    "Role",
    "Task",
    "TaskStatus",
]

_BOARD_PARTITION = "BOARD#{board_id}"


def _pending_expiry() -> datetime:
    # Whole seconds: DynamoDB's TTL is epoch seconds, and a record reads back exactly as it was written.
    return (utc_now() + timedelta(days=INCOMING_EXPIRY_DAYS)).replace(microsecond=0)


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class TaskStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"


class AttachmentStatus(StrEnum):
    """An attachment is ``pending`` until the uploads function has checked its file, then settled for good."""

    PENDING = "pending"
    READY = "ready"
    REJECTED = "rejected"


class _Timestamped(Model):
    """Abstract: records that remember when they were created and stamp ``updated_at`` on every save."""

    created_at: UtcDatetime = Field(default_factory=utc_now, frozen=True)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    def before_save(self) -> None:
        self.updated_at = utc_now()


class Board(
    _Timestamped,
    keys={PARTITION_KEY: _BOARD_PARTITION, SORT_KEY: "META"},
    version_field="version",
):
    board_id: str = Field(default_factory=new_ulid, frozen=True)
    name: str = Field(min_length=1)
    description: str = ""
    owner_id: str = Field(frozen=True)
    deleting: bool = Field(
        default=False, description="Set when its deletion starts; from then on nothing can be added to it."
    )
    version: int = Field(default=0, ge=0, description="0 until first saved; +1 on every save.")


class Membership(
    Model,
    keys={PARTITION_KEY: _BOARD_PARTITION, SORT_KEY: "MEMBER#{user_id}"},
    index_keys={GSI1_PARTITION_KEY: "USER#{user_id}", GSI1_SORT_KEY: _BOARD_PARTITION},
    version_field="version",
):
    board_id: str = Field(frozen=True)
    user_id: str = Field(frozen=True)
    role: Role
    added_at: UtcDatetime = Field(default_factory=utc_now, frozen=True)
    version: int = Field(default=0, ge=0, description="0 until first saved; +1 on every save.")


class Task(
    _Timestamped,
    keys={PARTITION_KEY: _BOARD_PARTITION, SORT_KEY: "TASK#{task_id}"},
    index_keys={GSI2_PARTITION_KEY: f"{_BOARD_PARTITION}#STATUS#{{status}}", GSI2_SORT_KEY: "{task_id}"},
    version_field="version",
):
    board_id: str = Field(frozen=True)
    task_id: str = Field(default_factory=new_ulid, frozen=True)
    title: str = Field(min_length=1)
    description: str = ""
    status: TaskStatus = TaskStatus.TODO
    assignee: str | None = None
    due_date: date | None = None
    version: int = Field(default=0, ge=0, description="0 until first saved; +1 on every save.")


class Attachment(
    _Timestamped,
    keys={PARTITION_KEY: _BOARD_PARTITION, SORT_KEY: "ATTACH#{task_id}#{attachment_id}"},
    version_field="version",
    ttl_field="expires_at",
):
    """A file on a task. What the uploader declared is frozen; the uploads function settles ``status``.

    ``object_etag`` (and, in a versioned bucket, ``object_version_id``) name the one upload the uploads
    function took on to check: it is claimed while the record is pending, so that of two uploads through
    the same form (it stays valid for minutes) only one is ever checked and published, and a redelivered
    event can be told apart from a later upload. A pending record expires (``expires_at``) unless its
    file is checked; a settled one stays.
    """

    board_id: str = Field(frozen=True)
    task_id: str = Field(frozen=True)
    attachment_id: str = Field(default_factory=new_ulid, frozen=True)
    file_name: str = Field(min_length=1, frozen=True)
    content_type: str = Field(min_length=1, frozen=True)
    size: int = Field(ge=1, frozen=True, description="The size the uploader declared, in bytes.")
    uploaded_by: str = Field(frozen=True)
    status: AttachmentStatus = AttachmentStatus.PENDING
    rejection_reason: str | None = None
    object_etag: str | None = None
    object_version_id: str | None = None
    expires_at: UtcDatetime | None = Field(
        default_factory=_pending_expiry,
        description="When a record still pending is deleted (DynamoDB TTL); None once settled.",
    )
    version: int = Field(default=0, ge=0, description="0 until first saved; +1 on every save.")
