"""The public JSON views of boards, members, tasks and attachments: what clients see over REST and WebSocket.

One definition serves the REST responses (:mod:`api.schemas`) and the real-time events
(:mod:`corkboard.events`), so an event's ``data`` is exactly what the REST API returns for the same
record. The views list their fields, so key attributes, index keys and TTLs can never leak into either
(nor an attachment's object ETag; download URLs are added by the REST list alone, never sent in events).

Example:
    >>> BoardOut.of(board).model_dump(mode="json")
    {'boardId': '01J...', 'name': 'Launch', 'description': '', 'ownerId': 'u-1', ...}
"""

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from corkboard.file_names import FILE_NAME_MAX_LENGTH, FILE_NAME_RULE, check_file_name
from corkboard.models import AttachmentStatus, Role, TaskStatus

__all__ = [
    "ID_MAX_LENGTH",
    "ID_PATTERN",
    "ApiModel",
    "AttachmentOut",
    "BoardName",
    "BoardOut",
    "ContentType",
    "Description",
    "FileName",
    "Identifier",
    "MemberOut",
    "ResponseModel",
    "TaskOut",
    "TaskTitle",
    "Version",
]

ID_MAX_LENGTH = 64
ID_PATTERN = r"^[A-Za-z0-9_-]+$"

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]
BoardName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TaskTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Version = Annotated[int, Field(ge=1, description="The version you read; a stale one is refused with 409.")]
FileName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=FILE_NAME_MAX_LENGTH),
    AfterValidator(check_file_name),
    Field(
        description="A name, not a path: no '/', '\\', control or invisible characters.",
        json_schema_extra={"pattern": FILE_NAME_RULE.pattern},
    ),
]
ContentType = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python; validators built on first use (``defer_build``), so a
    cold start builds only the schemas of the route it serves."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True, defer_build=True
    )


class ResponseModel(ApiModel):
    """A body the API sends, built from a domain model's attributes."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, source: object) -> Self:
        """Shape a domain object (or mapping) into this response."""
        return cls.model_validate(source, from_attributes=True)


class BoardOut(ResponseModel):
    """A board."""

    board_id: Identifier
    name: BoardName
    description: Description
    owner_id: Identifier
    created_at: datetime
    updated_at: datetime
    version: Version


class MemberOut(ResponseModel):
    """A member of a board and their role."""

    board_id: Identifier
    user_id: Identifier
    role: Role
    added_at: datetime
    version: Version


class TaskOut(ResponseModel):
    """A task on a board."""

    board_id: Identifier
    task_id: Identifier
    title: TaskTitle
    description: Description
    status: TaskStatus
    assignee: Identifier | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime
    version: Version


class AttachmentOut(ResponseModel):
    """A file on a task: ``pending`` until its upload is checked, then ``ready`` or ``rejected`` (and why)."""

    board_id: Identifier
    task_id: Identifier
    attachment_id: Identifier
    file_name: FileName
    content_type: ContentType
    size: Annotated[int, Field(ge=1, description="The declared size in bytes; a ready file has exactly it.")]
    status: AttachmentStatus
    rejection_reason: Annotated[str, StringConstraints(max_length=500)] | None
    uploaded_by: Identifier
    created_at: datetime
    updated_at: datetime
    version: Version
