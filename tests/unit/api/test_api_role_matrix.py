"""Every route against every kind of caller: who may do what, and what the others are told.

Strangers get 404 for anything on a board (existence is not leaked); members whose role is too low,
and admins trying to write, get 403; without claims it is 401.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_harness import ROLES, Api, SeededBoard

from tools.openapi_document import generate


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Callable[[SeededBoard], Any] | None = None

    def url(self, board: SeededBoard) -> str:
        return self.path.format(board=board.board_id, task=board.task_id, member=board.extra_member)


_STATUS_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}

#                                                          anonymous stranger viewer editor owner admin
MATRIX: list[tuple[Route, tuple[int, ...]]] = [
    (Route("GET", "/health"), (200, 200, 200, 200, 200, 200)),
    (Route("GET", "/me"), (401, 200, 200, 200, 200, 200)),
    (Route("POST", "/boards", lambda _: {"name": "Mine"}), (401, 201, 201, 201, 201, 201)),
    (Route("GET", "/boards"), (401, 200, 200, 200, 200, 200)),
    (Route("GET", "/boards/{board}"), (401, 404, 200, 200, 200, 200)),
    (
        Route("PATCH", "/boards/{board}", lambda b: {"version": b.board_version, "name": "Renamed"}),
        (401, 404, 403, 403, 200, 403),
    ),
    (Route("DELETE", "/boards/{board}"), (401, 404, 403, 403, 204, 403)),
    (Route("GET", "/boards/{board}/members"), (401, 404, 200, 200, 200, 200)),
    (
        Route("PUT", "/boards/{board}/members/user-new", lambda _: {"role": "editor"}),
        (401, 404, 403, 403, 200, 403),
    ),
    (Route("DELETE", "/boards/{board}/members/{member}"), (401, 404, 403, 403, 204, 403)),
    (Route("POST", "/boards/{board}/tasks", lambda _: {"title": "New"}), (401, 404, 403, 201, 201, 403)),
    (Route("GET", "/boards/{board}/tasks"), (401, 404, 200, 200, 200, 200)),
    (Route("GET", "/boards/{board}/tasks/{task}"), (401, 404, 200, 200, 200, 200)),
    (
        Route(
            "PATCH", "/boards/{board}/tasks/{task}", lambda b: {"version": b.task_version, "status": "done"}
        ),
        (401, 404, 403, 200, 200, 403),
    ),
    (Route("DELETE", "/boards/{board}/tasks/{task}"), (401, 404, 403, 204, 204, 403)),
    (
        Route(
            "POST",
            "/boards/{board}/tasks/{task}/attachments",
            lambda _: {"fileName": "plan.pdf", "contentType": "application/pdf", "size": 1024},
        ),
        (401, 404, 403, 201, 201, 403),
    ),
    (Route("GET", "/boards/{board}/tasks/{task}/attachments"), (401, 404, 200, 200, 200, 200)),
]

CASES = [
    pytest.param(route, role, expected, id=f"{route.method} {route.path} as {role}")
    for route, statuses in MATRIX
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("route", "role", "expected"), CASES)
def test_route_answers_each_role(
    api: Api, board: SeededBoard, route: Route, role: str, expected: int
) -> None:
    body = route.body(board) if route.body else None

    response = api.call(route.method, route.url(board), role, json_body=body)

    assert response.status == expected, response.body
    assert response.error == _STATUS_CODES.get(expected)


def test_matrix_covers_every_route() -> None:
    registered = {(method.upper(), path) for path, item in generate()["paths"].items() for method in item}
    rule = {"{board}": "{boardId}", "{task}": "{taskId}", "{member}": "{userId}", "user-new": "{userId}"}
    covered = set()
    for route, _ in MATRIX:
        path = route.path
        for placeholder, name in rule.items():
            path = path.replace(placeholder, name)
        covered.add((route.method, path))

    assert covered == registered
