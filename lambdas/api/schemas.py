"""The REST API's request and response bodies: camelCase JSON, every string and list bounded.

Requests forbid unknown fields, so a typo (``"titel"``) is a 400 rather than a silent no-op, and their
integers are JSON numbers: ``"size": "10"`` or ``true`` is a 400, not quietly read as 10 or 1 (``10.0``
is JSON Schema's integer 10 and reads as such). Names, titles and
descriptions follow :mod:`corkboard.text_rules`, which is also published as each field's ``pattern``;
the rules apply to what clients send, never to what is read back, so text stored before a rule existed
still reads. PATCH bodies use pydantic's ``MISSING`` for "not sent", which keeps "leave it" apart from
``null`` ("clear it", allowed only where the field is optional), and declare ``minProperties: 2``
(``version`` and a change). Responses are built from domain models with :meth:`ResponseModel.of`; the
board, member, task and attachment views come from :mod:`corkboard.views`, which the real-time events
share.

Example:
    >>> TaskPatch.model_validate({"version": 3, "status": "done"}).changes()
    {'status': <TaskStatus.DONE: 'done'>}
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import MISSING, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from corkboard.file_types import ALLOWED_FILE_TYPES
from corkboard.models import Attachment, Role, TaskStatus
from corkboard.text_rules import MULTI_LINE, SINGLE_LINE, TextRule
from corkboard.views import (
    ID_MAX_LENGTH,
    ID_PATTERN,
    ApiModel,
    AttachmentOut,
    BoardName,
    BoardOut,
    ContentType,
    Description,
    FileName,
    Identifier,
    MemberOut,
    ResponseModel,
    TaskOut,
    TaskTitle,
    Version,
)

__all__ = [
    "CURSOR_MAX_LENGTH",
    "DEFAULT_PAGE_SIZE",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IDEMPOTENCY_KEY_PATTERN",
    "ID_MAX_LENGTH",
    "ID_PATTERN",
    "MAX_PAGE_SIZE",
    "MAX_VERSION",
    "AttachmentCreate",
    "AttachmentItem",
    "AttachmentOut",
    "AttachmentPage",
    "AttachmentUploadOut",
    "BoardCreate",
    "BoardOut",
    "BoardPage",
    "BoardPatch",
    "ErrorOut",
    "HealthOut",
    "MeOut",
    "MemberOut",
    "MemberPage",
    "MemberPut",
    "TaskCreate",
    "TaskOut",
    "TaskPage",
    "TaskPatch",
    "UploadFormOut",
]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_MAX_LENGTH = 2048
IDEMPOTENCY_KEY_MAX_LENGTH = 128
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"

# The largest integer every JSON client reads exactly (2**53 - 1); a version never gets near it.
MAX_VERSION = 9_007_199_254_740_991

Email = Annotated[str, StringConstraints(max_length=320)]
GroupName = Annotated[str, StringConstraints(max_length=128)]
Cursor = Annotated[str, StringConstraints(max_length=CURSOR_MAX_LENGTH)]


def _following(rule: TextRule) -> tuple[BeforeValidator, Any]:
    """Checks the text as sent, before any trimming, so that the check and the published pattern agree."""
    check = BeforeValidator(lambda value: rule.check(value) if isinstance(value, str) else value)
    return check, Field(json_schema_extra={"pattern": rule.pattern})


def _json_number(value: object) -> object:
    """A JSON number, or a ValueError: pydantic would read "10" as 10 and true as 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("send a JSON integer such as 3, not a string or a boolean")
    return value


BoardNameIn = Annotated[BoardName, *_following(SINGLE_LINE)]
TaskTitleIn = Annotated[TaskTitle, *_following(SINGLE_LINE)]
DescriptionIn = Annotated[Description, *_following(MULTI_LINE)]
# Constraints first: pydantic publishes them as minimum/maximum only while they sit on the plain int.
VersionIn = Annotated[Version, Field(le=MAX_VERSION), BeforeValidator(_json_number)]


class RequestModel(ApiModel):
    """A body a client sends: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(RequestModel):
    """A partial update: ``version`` plus at least one field to change."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 2})

    version: VersionIn

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by Python name, minus the optimistic-locking version."""
        return self.model_dump(by_alias=False, exclude={"version"})

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.changes():
            raise ValueError("send at least one field to change besides version")
        return self


class BoardCreate(RequestModel):
    """POST /boards."""

    name: BoardNameIn
    description: DescriptionIn = ""


class BoardPatch(PatchModel):
    """PATCH /boards/{boardId}."""

    name: BoardNameIn | MISSING = MISSING
    description: DescriptionIn | MISSING = MISSING


class MemberPut(RequestModel):
    """PUT /boards/{boardId}/members/{userId}: ownership is not granted through this route."""

    role: Literal[Role.EDITOR, Role.VIEWER]


class TaskCreate(RequestModel):
    """POST /boards/{boardId}/tasks."""

    title: TaskTitleIn
    description: DescriptionIn = ""
    status: TaskStatus = TaskStatus.TODO
    assignee: Identifier | None = None
    due_date: date | None = None


class TaskPatch(PatchModel):
    """PATCH /boards/{boardId}/tasks/{taskId}: ``null`` clears assignee or dueDate."""

    title: TaskTitleIn | MISSING = MISSING
    description: DescriptionIn | MISSING = MISSING
    status: TaskStatus | MISSING = MISSING
    assignee: Identifier | MISSING | None = MISSING
    due_date: date | MISSING | None = MISSING


class AttachmentCreate(RequestModel):
    """POST /boards/{boardId}/tasks/{taskId}/attachments: what the file will be, before it is sent."""

    file_name: FileName
    content_type: Annotated[
        ContentType,
        Field(
            description="One of the allowed types (docs/api.md).",
            json_schema_extra={"enum": sorted(ALLOWED_FILE_TYPES)},
        ),
    ]
    size: Annotated[
        int,
        Field(
            ge=1,
            description=(
                "The exact size in bytes; the upload must match it. At most the deployment's "
                "attachment limit (10 MiB unless configured), else 413."
            ),
        ),
        BeforeValidator(_json_number),
    ]


class HealthOut(ResponseModel):
    """GET /health."""

    status: Literal["ok"] = "ok"


class MeOut(ResponseModel):
    """GET /me."""

    user_id: Identifier
    email: Email | None
    groups: Annotated[list[GroupName], Field(max_length=100)]
    is_admin: bool


class BoardPage(ResponseModel):
    """One page of boards; pass ``nextCursor`` back as ``cursor`` for the next one."""

    items: Annotated[list[BoardOut], Field(max_length=MAX_PAGE_SIZE)]
    next_cursor: Cursor | None


class MemberPage(ResponseModel):
    """One page of members; pass ``nextCursor`` back as ``cursor`` for the next one."""

    items: Annotated[list[MemberOut], Field(max_length=MAX_PAGE_SIZE)]
    next_cursor: Cursor | None


class TaskPage(ResponseModel):
    """One page of tasks; pass ``nextCursor`` back as ``cursor`` for the next one."""

    items: Annotated[list[TaskOut], Field(max_length=MAX_PAGE_SIZE)]
    next_cursor: Cursor | None


class UploadFormOut(ResponseModel):
    """A presigned POST: send ``fields`` as form fields, then the file as the last field, ``file``."""

    url: Annotated[str, StringConstraints(max_length=2048)]
    fields: Annotated[dict[str, Annotated[str, StringConstraints(max_length=8192)]], Field(max_length=20)]
    expires_at: datetime


class AttachmentUploadOut(ResponseModel):
    """The pending attachment and the form that uploads its file (valid until ``upload.expiresAt``)."""

    attachment: AttachmentOut
    upload: UploadFormOut


class AttachmentItem(AttachmentOut):
    """An attachment in a list: ``downloadUrl`` (valid 5 minutes) once ``ready``, else null."""

    download_url: Annotated[str, StringConstraints(max_length=8192)] | None

    @classmethod
    def with_link(cls, attachment: Attachment, download_url: str | None) -> Self:
        """The attachment's public fields plus its download link."""
        return cls.model_validate({**dict(attachment), "download_url": download_url})


class AttachmentPage(ResponseModel):
    """One page of a task's attachments; pass ``nextCursor`` back as ``cursor`` for the next one."""

    items: Annotated[list[AttachmentItem], Field(max_length=MAX_PAGE_SIZE)]
    next_cursor: Cursor | None


class ErrorOut(ApiModel):
    """Every error response: a machine code to branch on and a sentence telling what to do."""

    error: Annotated[str, StringConstraints(max_length=64)]
    message: Annotated[str, StringConstraints(max_length=1000)]
