"""Paging through the API: every item exactly once, pages full until the last, cursors opaque."""

import pytest
from rest_harness import Api, SeededBoard


def _walk(api: Api, path: str, role: str, limit: int, **query: str) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        params = {"limit": str(limit), **query, **({"cursor": cursor} if cursor else {})}
        response = api.call("GET", path, role, query=params)
        assert response.status == 200, response.body
        pages.append(response.body["items"])
        cursor = response.body["nextCursor"]
        if cursor is None:
            return pages


def test_tasks_page_without_duplicates_or_gaps(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    created = {board.task_id}
    for number in range(44):
        created.add(api.call("POST", path, "editor", json_body={"title": f"task {number}"}).body["taskId"])

    pages = _walk(api, path, "viewer", limit=20)

    ids = [task["taskId"] for page in pages for task in page]
    assert [len(page) for page in pages] == [20, 20, 5]
    assert len(ids) == len(set(ids))
    assert set(ids) == created
    assert ids == sorted(ids, reverse=True), "tasks are listed newest first"


def test_status_filter_pages_only_matching_tasks(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    done = set()
    for number in range(30):
        status = "done" if number % 3 == 0 else "todo"
        task = api.call("POST", path, "editor", json_body={"title": f"t{number}", "status": status}).body
        if status == "done":
            done.add(task["taskId"])

    pages = _walk(api, path, "viewer", limit=4, status="done")

    ids = [task["taskId"] for page in pages for task in page]
    assert [len(page) for page in pages] == [4, 4, 2]
    assert set(ids) == done
    assert len(ids) == len(done)


def test_my_boards_page_without_duplicates_or_gaps(api: Api) -> None:
    created = {
        api.call("POST", "/boards", "editor", json_body={"name": f"b{n}"}).body["boardId"] for n in range(23)
    }
    api.call("POST", "/boards", "viewer", json_body={"name": "someone else's"})

    pages = _walk(api, "/boards", "editor", limit=10)

    ids = [item["boardId"] for page in pages for item in page]
    assert [len(page) for page in pages] == [10, 10, 3]
    assert len(ids) == len(set(ids))
    assert set(ids) == created


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_members_page_at_any_size(api: Api, board: SeededBoard, limit: int) -> None:
    path = f"/boards/{board.board_id}/members"
    for number in range(5):
        api.call("PUT", f"{path}/user-{number}", json_body={"role": "viewer"})

    pages = _walk(api, path, "viewer", limit=limit)

    users = [member["userId"] for page in pages for member in page]
    expected = {"user-owner", "user-viewer", "user-editor", "user-extra", *(f"user-{n}" for n in range(5))}
    assert len(users) == len(set(users))
    assert set(users) == expected
    assert all(len(page) == limit for page in pages[:-1])


def test_default_page_size_is_20(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    for number in range(24):
        api.call("POST", path, json_body={"title": f"t{number}"})

    response = api.call("GET", path)

    assert len(response.body["items"]) == 20
    assert response.body["nextCursor"]
