"""Pagination: full pages, no duplicates, no gaps, and cursors that only work on the list that issued them."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest

from corkboard.models import Board, Role, Task, TaskStatus
from corkboard.odm import InvalidCursorError, Page
from corkboard.odm.pagination import MAX_EVALUATED_PER_READ, collect_page
from corkboard.repository import CorkboardRepository

ResumeKey = dict[str, Any]
T = TypeVar("T")


def _fake_query(values: Sequence[int], *, keep: Callable[[int], bool]) -> tuple[Any, list[int]]:
    """A stand-in for Query over ``values``: evaluates ``limit`` of them, returns those ``keep`` accepts."""
    evaluated: list[int] = []

    def fetch(start: ResumeKey | None, limit: int) -> tuple[list[dict[str, int]], ResumeKey | None]:
        begin = 0 if start is None else values.index(start["k"]) + 1
        window = values[begin : begin + limit]
        evaluated.append(len(window))
        more = begin + limit < len(values)
        return [{"k": value} for value in window if keep(value)], ({"k": window[-1]} if more else None)

    return fetch, evaluated


def _all_pages(fetch: Any, limit: int) -> list[list[int]]:
    pages, start = [], None
    while True:
        items, start = collect_page(fetch, limit=limit, start_key=start, resume_key_of=dict)
        pages.append([item["k"] for item in items])
        if start is None:
            return pages


def test_sparse_filter_still_fills_every_page_but_the_last() -> None:
    fetch, _ = _fake_query(list(range(100)), keep=lambda value: value % 7 == 0)
    pages = _all_pages(fetch, limit=4)
    assert [len(page) for page in pages] == [4, 4, 4, 3]
    assert [value for page in pages for value in page] == list(range(0, 100, 7))


def test_no_empty_last_page_when_items_divide_evenly() -> None:
    fetch, _ = _fake_query(list(range(9)), keep=lambda _: True)
    assert _all_pages(fetch, limit=3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_sparse_filter_reads_in_growing_steps() -> None:
    fetch, evaluated = _fake_query(list(range(10_000)), keep=lambda value: value == 9_999)
    items, resume = collect_page(fetch, limit=5, start_key=None, resume_key_of=dict)
    assert (items, resume) == ([{"k": 9_999}], None)
    assert evaluated[:4] == [6, 12, 24, 48]
    assert max(evaluated) == MAX_EVALUATED_PER_READ


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(limit: int) -> None:
    fetch, _ = _fake_query([1], keep=lambda _: True)
    with pytest.raises(ValueError, match="at least 1"):
        collect_page(fetch, limit=limit, start_key=None, resume_key_of=dict)


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
