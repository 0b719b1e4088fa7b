"""CORS on the function's responses: an allowed Origin is reflected on every answer, success or error;
any other Origin gets no CORS header; every answer varies on Origin (issue 11, finding 2).

The resolver is built the way the stack configures it, from ``CORS_ALLOW_ORIGINS``.
"""

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from rest_harness import Api, ApiResponse, SeededBoard

from api.app import build_app
from corkboard import settings
from corkboard.table_design import ENV_CORS_ALLOW_ORIGINS
from dynamo_odm.client import dynamodb_client

ALLOWED = ("https://app.example.com", "http://localhost:5173")
REFUSED = ("https://app.example.com.evil.example", "null")
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Credentials",
)

Request = Callable[[Api, SeededBoard, str], ApiResponse]


def _from(origin: str) -> dict[str, str]:
    return {"Origin": origin}


# One request per kind of answer the function gives: successes, and each family of error.
REQUESTS: dict[str, tuple[Request, int]] = {
    "list-200": (lambda api, board, origin: api.call("GET", "/boards", headers=_from(origin)), 200),
    "create-201": (
        lambda api, board, origin: api.call(
            "POST", "/boards", json_body={"name": "CORS"}, headers=_from(origin)
        ),
        201,
    ),
    "delete-204": (
        lambda api, board, origin: api.call(
            "DELETE", f"/boards/{board.board_id}/tasks/{board.task_id}", headers=_from(origin)
        ),
        204,
    ),
    "invalid-400": (
        lambda api, board, origin: api.call("POST", "/boards", json_body={"name": ""}, headers=_from(origin)),
        400,
    ),
    "anonymous-401": (
        lambda api, board, origin: api.call("GET", "/me", "anonymous", headers=_from(origin)),
        401,
    ),
    "forbidden-403": (
        lambda api, board, origin: api.call(
            "POST",
            f"/boards/{board.board_id}/tasks",
            "viewer",
            json_body={"title": "x"},
            headers=_from(origin),
        ),
        403,
    ),
    "not-found-404": (
        lambda api, board, origin: api.call(
            "GET", f"/boards/{board.board_id}", "stranger", headers=_from(origin)
        ),
        404,
    ),
    "route-404": (lambda api, board, origin: api.call("GET", "/no-such-route", headers=_from(origin)), 404),
    "conflict-409": (
        lambda api, board, origin: api.call(
            "PATCH",
            f"/boards/{board.board_id}/tasks/{board.task_id}",
            json_body={"version": board.task_version + 5, "status": "done"},
            headers=_from(origin),
        ),
        409,
    ),
    "media-type-415": (
        lambda api, board, origin: api.call(
            "POST", "/boards", raw_body="name=x", headers={**_from(origin), "Content-Type": "text/plain"}
        ),
        415,
    ),
}


@pytest.fixture
def cors_api(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    """The handler's resolver as the stack configures it: two allowed origins."""
    monkeypatch.setenv(ENV_CORS_ALLOW_ORIGINS, ",".join(ALLOWED))
    return Api(build_app())


def _cors_headers(response: ApiResponse) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name in CORS_HEADERS}


@pytest.mark.parametrize("origin", ALLOWED)
@pytest.mark.parametrize("request_name", REQUESTS)
def test_an_allowed_origin_is_reflected_on_every_answer(
    cors_api: Api, board: SeededBoard, request_name: str, origin: str
) -> None:
    send, status = REQUESTS[request_name]

    response = send(cors_api, board, origin)

    assert response.status == status, response.body
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Expose-Headers"] == "Retry-After"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize("origin", REFUSED)
@pytest.mark.parametrize("request_name", REQUESTS)
def test_another_origin_gets_no_cors_header_on_any_answer(
    cors_api: Api, board: SeededBoard, request_name: str, origin: str
) -> None:
    send, status = REQUESTS[request_name]

    response = send(cors_api, board, origin)

    assert response.status == status, response.body
    assert _cors_headers(response) == {}
    assert response.headers["Vary"] == "Origin"


def test_a_request_without_origin_gets_no_cors_header(cors_api: Api) -> None:
    response = cors_api.call("GET", "/boards")

    assert response.status == 200
    assert _cors_headers(response) == {}
    assert response.headers["Vary"] == "Origin"


def test_without_allowed_origins_no_answer_has_cors_headers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_CORS_ALLOW_ORIGINS, raising=False)
    bare = Api(build_app())

    response = bare.call("GET", "/boards", headers=_from(ALLOWED[0]))

    assert response.status == 200
    assert _cors_headers(response) == {}
    assert "Vary" not in response.headers


def test_the_allowed_origins_come_from_the_environment_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CORS_ALLOW_ORIGINS, " https://a.example ,,http://localhost:5173 ")
    assert settings.cors_allow_origins() == ("https://a.example", "http://localhost:5173")
    monkeypatch.setenv(ENV_CORS_ALLOW_ORIGINS, "")
    assert settings.cors_allow_origins() == ()


def test_a_503_exposes_retry_after_to_the_page(
    cors_api: Api, monkeypatch: pytest.MonkeyPatch, board: SeededBoard
) -> None:
    def throttled(*_: Any, **__: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "GetItem"
        )

    monkeypatch.setattr(dynamodb_client(), "get_item", throttled)

    response = cors_api.call("GET", f"/boards/{board.board_id}", headers=_from(ALLOWED[0]))

    assert response.status == 503
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED[0]
    assert "Retry-After" in response.headers
    assert response.headers["Access-Control-Expose-Headers"] == "Retry-After"
