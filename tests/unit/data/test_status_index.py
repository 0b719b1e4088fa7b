"""Tasks of one status are read through a key that holds that status: a request reads what it returns.

A filter on the board's partition made DynamoDB read every task of the board to return the few in one
status (issue 12, finding 7). Items read are counted at the client from each Query's ``ScannedCount``.
"""

from typing import Any

import boto3
import pytest

from corkboard.models import Task, TaskStatus
from corkboard.repository import CorkboardRepository

_TASKS = 60
_DOING_EVERY = 10


@pytest.fixture
def counted(aws: Any) -> tuple[CorkboardRepository, list[int]]:
    """A repository whose client records the items each Query read (its ScannedCount)."""
    client = boto3.client("dynamodb", region_name=aws.region)
    scanned: list[int] = []

    def record(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            scanned.append(int(parsed["ScannedCount"]))

    client.meta.events.register("after-call.dynamodb.Query", record)
    return CorkboardRepository(client=client), scanned


def _board_with_tasks(repository: CorkboardRepository) -> tuple[str, list[Task]]:
    board = repository.create_board(name="Big", description="", owner_id="owner")
    tasks = [
        repository.create_task(
            board.board_id,
            title=f"task {index}",
            description="",
            status=TaskStatus.DOING if index % _DOING_EVERY == 0 else TaskStatus.TODO,
            assignee=None,
            due_date=None,
        )
        for index in range(_TASKS)
    ]
    return board.board_id, tasks


def test_a_status_list_reads_only_tasks_in_that_status(
    counted: tuple[CorkboardRepository, list[int]],
) -> None:
    repository, scanned = counted
    board_id, tasks = _board_with_tasks(repository)
    scanned.clear()

    page = repository.list_tasks(board_id, status=TaskStatus.DOING, limit=50, cursor=None)

    doing = sorted((task.task_id for task in tasks if task.status is TaskStatus.DOING), reverse=True)
    assert [task.task_id for task in page.items] == doing
    assert sum(scanned) == len(doing), f"read {sum(scanned)} items to return {len(doing)}"


def test_a_status_list_pages_newest_first_and_reads_one_item_past_each_page(
    counted: tuple[CorkboardRepository, list[int]],
) -> None:
    repository, scanned = counted
    board_id, tasks = _board_with_tasks(repository)
    scanned.clear()

    first = repository.list_tasks(board_id, status=TaskStatus.DOING, limit=4, cursor=None)
    read_for_first = sum(scanned)
    second = repository.list_tasks(board_id, status=TaskStatus.DOING, limit=4, cursor=first.next_cursor)

    doing = sorted((task.task_id for task in tasks if task.status is TaskStatus.DOING), reverse=True)
    assert [task.task_id for task in first.items + second.items] == doing
    assert second.next_cursor is None
    assert read_for_first == 4 + 1, "a full page reads one item more, to know that more exist"


def test_a_task_moves_between_status_lists_when_its_status_changes(
    counted: tuple[CorkboardRepository, list[int]],
) -> None:
    repository, _ = counted
    board_id, tasks = _board_with_tasks(repository)
    moved = next(task for task in tasks if task.status is TaskStatus.TODO)

    repository.update_task(board_id, moved.task_id, expected_version=1, changes={"status": "done"})

    done = repository.list_tasks(board_id, status=TaskStatus.DONE, limit=50, cursor=None)
    todo = repository.list_tasks(board_id, status=TaskStatus.TODO, limit=100, cursor=None)
    assert [task.task_id for task in done.items] == [moved.task_id]
    assert moved.task_id not in {task.task_id for task in todo.items}
