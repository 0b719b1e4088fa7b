"""Deleting through the API leaves nothing behind in DynamoDB."""

from typing import Any

from rest_harness import Api, SeededBoard, board_items


def test_board_delete_removes_every_item_of_the_board(api: Api, board: SeededBoard, aws: Any) -> None:
    for number in range(30):
        api.call("POST", f"/boards/{board.board_id}/tasks", "editor", json_body={"title": f"t{number}"})
    assert len(board_items(aws.table_name, board.board_id)) == 1 + 4 + 31  # board, members, tasks

    response = api.call("DELETE", f"/boards/{board.board_id}", "owner")

    assert response.status == 204
    assert response.raw_body == ""
    assert board_items(aws.table_name, board.board_id) == []
    assert api.call("GET", f"/boards/{board.board_id}", "owner").status == 404
    assert api.call("GET", "/boards", "editor").body["items"] == []


def test_task_delete_removes_the_task_only(api: Api, board: SeededBoard, aws: Any) -> None:
    before = len(board_items(aws.table_name, board.board_id))

    response = api.call("DELETE", f"/boards/{board.board_id}/tasks/{board.task_id}", "editor")

    assert response.status == 204
    assert len(board_items(aws.table_name, board.board_id)) == before - 1
    assert api.call("GET", f"/boards/{board.board_id}/tasks/{board.task_id}").status == 404
