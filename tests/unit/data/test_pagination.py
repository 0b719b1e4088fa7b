"""Corkboard's lists page fully, without duplicates or gaps, and a cursor works only on its own list.

How a page is filled and a cursor signed is dynamo_odm's (tests/odm/test_odm_pagination.py); these tests
hold the repository to its scopes: a task cursor is refused on another board, another filter, other lists.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest

from corkboard.models import Board, Role, Task, TaskStatus
from corkboard.repository import CorkboardRepository
from dynamo_odm import InvalidCursorError, Page

T = TypeVar("T")


def _drain(read: Callable[[str | None], Page[T]]) -> list[list[T]]:
    pages, cursor = [], None
    while True:
        page = read(cursor)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def _board(repository: CorkboardRepository, owner_id: str = "owner") -> Board:
    return repository.create_board(name="Board", description="", owner_id=owner_id)


def _tasks(repository: CorkboardRepository, board_id: str, statuses: Sequence[TaskStatus]) -> list[Task]:
    return [
        repository.create_task(
            board_id, title=f"task {index}", description="", status=status, assignee=None, due_date=None
        )
        for index, status in enumerate(statuses)
    ]


def test_tasks_page_newest_first_with_no_duplicates_and_no_gaps(repository: CorkboardRepository) -> None:
    board = _board(repository)
    created = _tasks(repository, board.board_id, [TaskStatus.TODO] * 10)

    pages = _drain(lambda cursor: repository.list_tasks(board.board_id, status=None, limit=3, cursor=cursor))

    assert [len(page) for page in pages] == [3, 3, 3, 1]
    listed = [task.task_id for page in pages for task in page]
    assert listed == sorted((task.task_id for task in created), reverse=True)


def test_status_filter_fills_pages_and_finds_every_match(repository: CorkboardRepository) -> None:
    board = _board(repository)
    statuses = [TaskStatus.DONE if index % 4 == 0 else TaskStatus.TODO for index in range(25)]
    created = _tasks(repository, board.board_id, statuses)

    pages = _drain(
        lambda cursor: repository.list_tasks(board.board_id, status=TaskStatus.DONE, limit=2, cursor=cursor)
    )

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    done = sorted((task.task_id for task in created if task.status == TaskStatus.DONE), reverse=True)
    assert [task.task_id for page in pages for task in page] == done


def test_members_page_across_three_pages(repository: CorkboardRepository) -> None:
    board = _board(repository)
    for user in ("ann", "bob", "cat", "dan", "eve"):
        repository.put_membership(board.board_id, user, Role.VIEWER)

    pages = _drain(lambda cursor: repository.list_members(board.board_id, limit=2, cursor=cursor))

    assert [len(page) for page in pages] == [2, 2, 2]
    assert [member.user_id for page in pages for member in page] == [
        "ann",
        "bob",
        "cat",
        "dan",
        "eve",
        "owner",
    ]


def test_boards_of_a_user_page_across_three_pages(repository: CorkboardRepository) -> None:
    boards = [_board(repository, owner_id="ann") for _ in range(7)]

    pages = _drain(lambda cursor: repository.list_boards_for_user("ann", limit=3, cursor=cursor))

    assert [len(page) for page in pages] == [3, 3, 1]
    listed = [board.board_id for page in pages for board in page]
    assert listed == sorted((board.board_id for board in boards), reverse=True)


@pytest.fixture
def task_cursor(repository: CorkboardRepository) -> tuple[str, str]:
    """A board with enough tasks to page, and the cursor to its second page of all tasks."""
    board = _board(repository)
    _tasks(repository, board.board_id, [TaskStatus.DONE] * 3)
    cursor = repository.list_tasks(board.board_id, status=None, limit=1, cursor=None).next_cursor
    assert cursor is not None
    return board.board_id, cursor


def test_task_cursor_from_board_a_is_refused_on_board_b(
    repository: CorkboardRepository, task_cursor: tuple[str, str]
) -> None:
    _, cursor = task_cursor
    other = _board(repository)
    _tasks(repository, other.board_id, [TaskStatus.DONE] * 3)
    with pytest.raises(InvalidCursorError):
        repository.list_tasks(other.board_id, status=None, limit=1, cursor=cursor)


def test_task_cursor_is_refused_with_another_status_filter(
    repository: CorkboardRepository, task_cursor: tuple[str, str]
) -> None:
    board_id, cursor = task_cursor
    with pytest.raises(InvalidCursorError):
        repository.list_tasks(board_id, status=TaskStatus.DONE, limit=1, cursor=cursor)


def test_task_cursor_is_refused_on_the_member_and_board_lists(
    repository: CorkboardRepository, task_cursor: tuple[str, str]
) -> None:
    board_id, cursor = task_cursor
    with pytest.raises(InvalidCursorError):
        repository.list_members(board_id, limit=1, cursor=cursor)
    with pytest.raises(InvalidCursorError):
        repository.list_boards_for_user("owner", limit=1, cursor=cursor)


def test_tampered_cursor_is_refused(repository: CorkboardRepository, task_cursor: tuple[str, str]) -> None:
    board_id, cursor = task_cursor
    payload, tag = cursor.split(".")
    tampered = f"{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{tag}"
    with pytest.raises(InvalidCursorError):
        repository.list_tasks(board_id, status=None, limit=1, cursor=tampered)


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b", "%%%", "x" * 10_000])
def test_garbage_cursor_is_refused(repository: CorkboardRepository, garbage: str) -> None:
    board = _board(repository)
    with pytest.raises(InvalidCursorError):
        repository.list_tasks(board.board_id, status=None, limit=1, cursor=garbage)


def test_cursor_forged_with_another_key_is_refused(aws: Any, task_cursor: tuple[str, str]) -> None:
    board_id, _ = task_cursor
    forger = CorkboardRepository(table_name=aws.table_name, cursor_key=b"not-the-real-key-at-all")
    forged = forger.list_tasks(board_id, status=None, limit=1, cursor=None).next_cursor
    assert forged is not None
    with pytest.raises(InvalidCursorError):
        CorkboardRepository().list_tasks(board_id, status=None, limit=1, cursor=forged)
