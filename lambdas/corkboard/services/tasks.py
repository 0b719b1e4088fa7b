"""Tasks: editors and the owner create, change and delete them; every member (and admins) reads them.

Deleting a task deletes its attachments too, records and files (:mod:`.attachment_cleanup`).

Example:
    >>> task = tasks.create(caller, board_id, title="Ship it", description="", status=TaskStatus.TODO,
    ...                     assignee=None, due_date=None)
    >>> tasks.update(caller, board_id, task.task_id, version=task.version, changes={"status": "done"})
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from corkboard.attachment_keys import task_prefixes
from corkboard.errors import ResourceNotFoundError
from corkboard.identity import Caller
from corkboard.models import Role, Task, TaskStatus
from corkboard.observability import tracer
from corkboard.repository import Page
from corkboard.services.attachment_cleanup import delete_with_files
from corkboard.services.board_access import authorize
from corkboard.services.store import repository

__all__ = ["authorize_create", "create", "delete", "get", "list_tasks", "update"]


@tracer.capture_method
def create(
    caller: Caller,
    board_id: str,
    *,
    title: str,
    description: str,
    status: TaskStatus,
    assignee: str | None,
    due_date: date | None,
) -> Task:
    """Add a task to a board; editors and the owner may."""
    authorize_create(caller, board_id)
    return repository().create_task(
        board_id, title=title, description=description, status=status, assignee=assignee, due_date=due_date
    )


def authorize_create(caller: Caller, board_id: str) -> None:
    """Refuse (404/403) a caller who may not add tasks to the board; a replayed create is checked too."""
    authorize(caller, board_id, Role.EDITOR)


@tracer.capture_method
def list_tasks(
    caller: Caller, board_id: str, *, status: TaskStatus | None, limit: int, cursor: str | None
) -> Page[Task]:
    """The board's tasks, oldest first, optionally only those in one status."""
    authorize(caller, board_id, Role.VIEWER)
    return repository().list_tasks(board_id, status=status, limit=limit, cursor=cursor)


@tracer.capture_method
def get(caller: Caller, board_id: str, task_id: str) -> Task:
    """One task, for the board's members and for admins."""
    authorize(caller, board_id, Role.VIEWER)
    task = repository().get_task(board_id, task_id)
    if task is None:
        raise ResourceNotFoundError("Task", task_id)
    return task


@tracer.capture_method
def update(caller: Caller, board_id: str, task_id: str, *, version: int, changes: Mapping[str, Any]) -> Task:
    """Change a task from the version the caller read; a stale version is refused (409)."""
    authorize(caller, board_id, Role.EDITOR)
    return repository().update_task(board_id, task_id, expected_version=version, changes=changes)


@tracer.capture_method
def delete(caller: Caller, board_id: str, task_id: str) -> None:
    """Delete a task and its attachments, their files included."""
    authorize(caller, board_id, Role.EDITOR)
    delete_with_files(task_prefixes(board_id, task_id), lambda: repository().delete_task(board_id, task_id))
