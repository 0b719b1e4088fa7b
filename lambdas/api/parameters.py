"""Path, query and header parameters shared by the routes, with the limits the API enforces on them.

Declaring them once keeps each limit in one place and in the generated OpenAPI document.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from api.schemas import (
    CURSOR_MAX_LENGTH,
    ID_MAX_LENGTH,
    ID_PATTERN,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_PATTERN,
    MAX_PAGE_SIZE,
)
from corkboard.models import TaskStatus

__all__ = [
    "BoardId",
    "CursorParam",
    "IdempotencyKey",
    "LimitParam",
    "StatusFilter",
    "TaskId",
    "UserId",
]


def _id(alias: str, description: str) -> Path:
    # The alias is the camelCase name in the route rule (``/boards/<boardId>``) and in the document.
    return Path(
        alias=alias, min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN, description=description
    )


BoardId = Annotated[str, _id("boardId", "The board's id.")]
TaskId = Annotated[str, _id("taskId", "The task's id.")]
UserId = Annotated[str, _id("userId", "The member's user id (their Cognito `sub`).")]

LimitParam = Annotated[
    int, Query(alias="limit", ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1..{MAX_PAGE_SIZE}.")
]
CursorParam = Annotated[
    str | None,
    Query(
        alias="cursor",
        max_length=CURSOR_MAX_LENGTH,
        description="The `nextCursor` of the previous page; omit for the first page.",
    ),
]
StatusFilter = Annotated[TaskStatus | None, Query(alias="status", description="Only tasks in this status.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=(
            "Makes a retried POST safe: the same key with the same body replays the first response "
            "instead of creating again. Letters, digits and `_.:-`, at most 128."
        ),
    ),
]
