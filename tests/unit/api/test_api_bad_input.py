"""Refused requests: each answers the right status and error code, and leaves the table exactly as it was."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_harness import Api, ApiResponse, SeededBoard, table_snapshot

from api.request_screen import MAX_BODY_BYTES

UNKNOWN_ID = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
FORGED_CURSOR = "eyJwayI6eyJTIjoiQk9BUkQjWCJ9fQ.bm90LWEtcmVhbC10YWc"


@dataclass(frozen=True)
class BadRequest:
    method: str
    path: str
    status: int
    error: str
    json_body: Any = None
    raw_body: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    role: str = "owner"

    def send(self, api: Api, board: SeededBoard) -> ApiResponse:
        path = self.path.format(board=board.board_id, task=board.task_id, unknown=UNKNOWN_ID)
        body = self.json_body(board) if callable(self.json_body) else self.json_body
        return api.call(
            self.method,
            path,
            self.role,
            json_body=body,
            raw_body=self.raw_body,
            query=self.query,
            headers=self.headers,
        )


def _task_patch(**fields: Any) -> Any:
    return lambda board: {"version": board.task_version, **fields}


def _board_patch(**fields: Any) -> Any:
    return lambda board: {"version": board.board_version, **fields}


BOARD = "/boards/{board}"
TASK = "/boards/{board}/tasks/{task}"
CASES = {
    # POST /boards
    "create board: malformed JSON": BadRequest(
        "POST", "/boards", 400, "malformed_json", raw_body='{"name": '
    ),
    "create board: JSON that is not an object": BadRequest(
        "POST", "/boards", 400, "invalid_request", raw_body='["name"]'
    ),
    "create board: no body": BadRequest("POST", "/boards", 400, "invalid_request"),
    "create board: wrong type": BadRequest("POST", "/boards", 400, "invalid_request", json_body={"name": 7}),
    "create board: blank name": BadRequest(
        "POST", "/boards", 400, "invalid_request", json_body={"name": "  "}
    ),
    "create board: oversize name": BadRequest(
        "POST", "/boards", 400, "invalid_request", json_body={"name": "n" * 101}
    ),
    "create board: oversize description": BadRequest(
        "POST", "/boards", 400, "invalid_request", json_body={"name": "ok", "description": "d" * 4001}
    ),
    "create board: unknown field": BadRequest(
        "POST", "/boards", 400, "invalid_request", json_body={"name": "ok", "colour": "red"}
    ),
    "create board: body over 64 KiB": BadRequest(
        "POST",
        "/boards",
        413,
        "payload_too_large",
        json_body={"name": "ok", "description": "d" * MAX_BODY_BYTES},
    ),
    "create board: not JSON content type": BadRequest(
        "POST",
        "/boards",
        415,
        "unsupported_media_type",
        raw_body="name=ok",
        headers={"Content-Type": "text/plain"},
    ),
    "create board: unsafe idempotency key": BadRequest(
        "POST",
        "/boards",
        400,
        "invalid_request",
        json_body={"name": "ok"},
        headers={"Idempotency-Key": "a b"},
    ),
    "create board: idempotency key too long": BadRequest(
        "POST",
        "/boards",
        400,
        "invalid_request",
        json_body={"name": "ok"},
        headers={"Idempotency-Key": "k" * 129},
    ),
    # GET /boards
    "list boards: limit 0": BadRequest("GET", "/boards", 400, "invalid_request", query={"limit": "0"}),
    "list boards: limit 101": BadRequest("GET", "/boards", 400, "invalid_request", query={"limit": "101"}),
    "list boards: limit not a number": BadRequest(
        "GET", "/boards", 400, "invalid_request", query={"limit": "ten"}
    ),
    "list boards: forged cursor": BadRequest(
        "GET", "/boards", 400, "invalid_cursor", query={"cursor": FORGED_CURSOR}
    ),
    # /boards/{boardId}
    "get board: unknown id": BadRequest("GET", "/boards/{unknown}", 404, "not_found"),
    "get board: id too long": BadRequest("GET", "/boards/" + "b" * 65, 400, "invalid_request"),
    "get board: id with unsafe characters": BadRequest("GET", "/boards/a.b", 400, "invalid_request"),
    "patch board: missing version": BadRequest(
        "PATCH", BOARD, 400, "invalid_request", json_body={"name": "x"}
    ),
    "patch board: stale version": BadRequest(
        "PATCH", BOARD, 409, "version_conflict", json_body={"version": 99, "name": "x"}
    ),
    "patch board: nothing to change": BadRequest(
        "PATCH", BOARD, 400, "invalid_request", json_body=_board_patch()
    ),
    "patch board: null name": BadRequest(
        "PATCH", BOARD, 400, "invalid_request", json_body=_board_patch(name=None)
    ),
    "patch board: unknown field": BadRequest(
        "PATCH", BOARD, 400, "invalid_request", json_body=_board_patch(ownerId="user-editor")
    ),
    "patch board: version not a number": BadRequest(
        "PATCH", BOARD, 400, "invalid_request", json_body={"version": "one", "name": "x"}
    ),
    "patch board: unknown id": BadRequest(
        "PATCH", "/boards/{unknown}", 404, "not_found", json_body={"version": 1, "name": "x"}
    ),
    "delete board: unknown id": BadRequest("DELETE", "/boards/{unknown}", 404, "not_found"),
    # /boards/{boardId}/members
    "list members: limit 0": BadRequest(
        "GET", BOARD + "/members", 400, "invalid_request", query={"limit": "0"}
    ),
    "list members: forged cursor": BadRequest(
        "GET", BOARD + "/members", 400, "invalid_cursor", query={"cursor": FORGED_CURSOR}
    ),
    "put member: owner role": BadRequest(
        "PUT", BOARD + "/members/user-new", 400, "invalid_request", json_body={"role": "owner"}
    ),
    "put member: unknown role": BadRequest(
        "PUT", BOARD + "/members/user-new", 400, "invalid_request", json_body={"role": "admin"}
    ),
    "put member: missing role": BadRequest(
        "PUT", BOARD + "/members/user-new", 400, "invalid_request", json_body={}
    ),
    "put member: the owner themself": BadRequest(
        "PUT", BOARD + "/members/user-owner", 409, "owner_membership_locked", json_body={"role": "viewer"}
    ),
    "put member: unknown board": BadRequest(
        "PUT", "/boards/{unknown}/members/user-new", 404, "not_found", json_body={"role": "viewer"}
    ),
    "delete member: not a member": BadRequest("DELETE", BOARD + "/members/user-nobody", 404, "not_found"),
    "delete member: owner leaving": BadRequest(
        "DELETE", BOARD + "/members/user-owner", 409, "owner_membership_locked"
    ),
    # /boards/{boardId}/tasks
    "create task: missing title": BadRequest("POST", BOARD + "/tasks", 400, "invalid_request", json_body={}),
    "create task: oversize title": BadRequest(
        "POST", BOARD + "/tasks", 400, "invalid_request", json_body={"title": "t" * 201}
    ),
    "create task: unknown status": BadRequest(
        "POST", BOARD + "/tasks", 400, "invalid_request", json_body={"title": "t", "status": "blocked"}
    ),
    "create task: bad due date": BadRequest(
        "POST", BOARD + "/tasks", 400, "invalid_request", json_body={"title": "t", "dueDate": "tomorrow"}
    ),
    "create task: malformed JSON": BadRequest(
        "POST", BOARD + "/tasks", 400, "malformed_json", raw_body="{title}"
    ),
    "create task: unknown board": BadRequest(
        "POST", "/boards/{unknown}/tasks", 404, "not_found", json_body={"title": "t"}
    ),
    "list tasks: bad status filter": BadRequest(
        "GET", BOARD + "/tasks", 400, "invalid_request", query={"status": "blocked"}
    ),
    "list tasks: limit 101": BadRequest(
        "GET", BOARD + "/tasks", 400, "invalid_request", query={"limit": "101"}
    ),
    "list tasks: forged cursor": BadRequest(
        "GET", BOARD + "/tasks", 400, "invalid_cursor", query={"cursor": FORGED_CURSOR}
    ),
    "list tasks: oversize cursor": BadRequest(
        "GET", BOARD + "/tasks", 400, "invalid_request", query={"cursor": "c" * 2049}
    ),
    "get task: unknown id": BadRequest("GET", "/boards/{board}/tasks/{unknown}", 404, "not_found"),
    "patch task: missing version": BadRequest(
        "PATCH", TASK, 400, "invalid_request", json_body={"title": "x"}
    ),
    "patch task: stale version": BadRequest(
        "PATCH", TASK, 409, "version_conflict", json_body={"version": 7, "title": "x"}
    ),
    "patch task: null title": BadRequest(
        "PATCH", TASK, 400, "invalid_request", json_body=_task_patch(title=None)
    ),
    "patch task: wrong type": BadRequest(
        "PATCH", TASK, 400, "invalid_request", json_body=_task_patch(status=["done"])
    ),
    "patch task: unknown field": BadRequest(
        "PATCH", TASK, 400, "invalid_request", json_body=_task_patch(boardId="elsewhere")
    ),
    "patch task: unknown id": BadRequest(
        "PATCH", "/boards/{board}/tasks/{unknown}", 404, "not_found", json_body={"version": 1, "title": "x"}
    ),
    "delete task: unknown id": BadRequest("DELETE", "/boards/{board}/tasks/{unknown}", 404, "not_found"),
    # Anything else
    "unknown route": BadRequest("GET", "/boards/{board}/labels", 404, "route_not_found"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_request_is_refused_without_changes(
    api: Api, board: SeededBoard, aws: Any, case: BadRequest
) -> None:
    before = table_snapshot(aws.table_name)

    response = case.send(api, board)

    assert (response.status, response.error) == (case.status, case.error), response.body
    assert response.body["message"].strip()
    assert table_snapshot(aws.table_name) == before


def test_validation_message_names_the_field(api: Api) -> None:
    response = api.call("POST", "/boards", json_body={"name": "n" * 101})

    assert "body.name" in response.body["message"]
    assert "100" in response.body["message"]


def test_stale_version_message_gives_the_current_version(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks/{board.task_id}"
    api.call("PATCH", path, json_body={"version": board.task_version, "status": "doing"})

    response = api.call("PATCH", path, json_body={"version": board.task_version, "status": "done"})

    assert response.status == 409
    assert response.body["message"] == (
        f"Task was changed by someone else (version {board.task_version + 1} is current). Reload and retry."
    )


def test_cursor_of_one_board_is_refused_on_another(api: Api, board: SeededBoard) -> None:
    other = api.call("POST", "/boards", json_body={"name": "Other"}).body["boardId"]
    for title in ("a", "b"):
        api.call("POST", f"/boards/{other}/tasks", json_body={"title": title})
    cursor = api.call("GET", f"/boards/{other}/tasks", query={"limit": "1"}).body["nextCursor"]

    response = api.call("GET", f"/boards/{board.board_id}/tasks", query={"cursor": cursor})

    assert (response.status, response.error) == (400, "invalid_cursor")
