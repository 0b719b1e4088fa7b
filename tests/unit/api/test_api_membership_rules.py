"""Membership rules beyond the role matrix: leaving, re-roling, and the owner's locked membership."""

from rest_harness import Api, SeededBoard


def test_member_may_leave_a_board(api: Api, board: SeededBoard) -> None:
    response = api.call("DELETE", f"/boards/{board.board_id}/members/user-editor", "editor")

    assert response.status == 204
    assert api.call("GET", f"/boards/{board.board_id}", "editor").status == 404


def test_admin_cannot_leave_a_board_they_are_not_on(api: Api, board: SeededBoard) -> None:
    response = api.call("DELETE", f"/boards/{board.board_id}/members/user-admin", "admin")

    assert (response.status, response.error) == (404, "not_found")


def test_owner_changes_a_role_and_it_takes_effect(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/members/user-viewer"

    response = api.call("PUT", path, "owner", json_body={"role": "editor"})

    assert response.status == 200
    assert (response.body["role"], response.body["version"]) == ("editor", 2)
    created = api.call(
        "POST", f"/boards/{board.board_id}/tasks", "viewer", json_body={"title": "now allowed"}
    )
    assert created.status == 201


def test_new_member_sees_the_board_in_their_list(api: Api, board: SeededBoard) -> None:
    api.call("PUT", f"/boards/{board.board_id}/members/user-stranger", "owner", json_body={"role": "viewer"})

    boards = api.call("GET", "/boards", "stranger").body["items"]

    assert [item["boardId"] for item in boards] == [board.board_id]


def test_patch_clears_optional_fields_with_null(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    task = api.call(
        "POST", path, json_body={"title": "t", "assignee": "user-editor", "dueDate": "2030-01-31"}
    ).body

    response = api.call(
        "PATCH", f"{path}/{task['taskId']}", json_body={"version": task["version"], "assignee": None}
    )

    assert response.status == 200
    assert (response.body["assignee"], response.body["dueDate"]) == (None, "2030-01-31")


def test_admin_gets_404_not_403_for_a_board_that_does_not_exist(api: Api) -> None:
    missing = "/boards/01ZZZZZZZZZZZZZZZZZZZZZZZZ"

    read = api.call("GET", missing, "admin")
    write = api.call("PATCH", missing, "admin", json_body={"version": 1, "name": "x"})

    assert (read.status, write.status) == (404, 404)
