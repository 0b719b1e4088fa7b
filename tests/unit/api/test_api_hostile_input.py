"""Input built to break the parser, the media-type check or the validators: a documented 4xx, never a 5xx.

Every route that takes a body is tried by its owner and by a stranger: the body is screened before the
caller's permissions are looked at, so both get the same 400/415, and the table is left as it was.
"""

import base64
import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import pytest
from lambda_context import LambdaContextDouble
from rest_harness import USERS, Api, SeededBoard, rest_event, table_snapshot

from api.app import handler
from corkboard.services.store import repository

HUGE_INTEGER = "1" * 4301
DEEP_NESTING = "[" * 10_000 + "]" * 10_000


@dataclass(frozen=True)
class BodyRoute:
    """A route that takes a body, and a valid body for it, as JSON text with a ``{hole}`` to fill."""

    method: str
    path: str
    body: str

    def send(self, api: Api, board: SeededBoard, role: str, body: str, **headers: str) -> Any:
        path = self.path.format(board=board.board_id, task=board.task_id)
        return api.call(self.method, path, role, raw_body=body, headers=headers)

    def with_value(self, value: str) -> str:
        return self.body.replace('"{hole}"', value)


BODY_ROUTES = {
    "POST /boards": BodyRoute("POST", "/boards", '{"name": "ok", "description": "{hole}"}'),
    "PATCH /boards/{id}": BodyRoute("PATCH", "/boards/{board}", '{"version": 1, "description": "{hole}"}'),
    "PUT member": BodyRoute("PUT", "/boards/{board}/members/user-new", '{"role": "{hole}"}'),
    "POST task": BodyRoute("POST", "/boards/{board}/tasks", '{"title": "t", "description": "{hole}"}'),
    "PATCH task": BodyRoute("PATCH", "/boards/{board}/tasks/{task}", '{"version": 1, "title": "{hole}"}'),
    "POST attachment": BodyRoute(
        "POST",
        "/boards/{board}/tasks/{task}/attachments",
        '{"fileName": "a.png", "contentType": "image/png", "size": "{hole}"}',
    ),
}
ROLES = ("owner", "stranger")


@dataclass(frozen=True)
class Unreadable:
    """A JSON value no route can take: what it is, the error code it earns, and words of its message."""

    value: str
    code: str
    says: str


UNREADABLE_JSON = {
    "an integer of 4,301 digits": Unreadable(HUGE_INTEGER, "invalid_request", "4301 digits"),
    "arrays nested 10,000 deep": Unreadable(DEEP_NESTING, "invalid_request", "nests deeper than 32"),
    "NaN, which is not JSON": Unreadable("NaN", "malformed_json", "NaN is not a JSON value"),
}
NOT_JSON_MEDIA_TYPES = {
    "multipart without a boundary": "multipart/form-data",
    "a form": "application/x-www-form-urlencoded",
}
ATTEMPTS = [(route, role) for route in BODY_ROUTES.values() for role in ROLES]
ATTEMPT_IDS = [f"{name} as {role}" for name in BODY_ROUTES for role in ROLES]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=ATTEMPT_IDS)
@pytest.mark.parametrize("unreadable", UNREADABLE_JSON.values(), ids=UNREADABLE_JSON.keys())
def test_json_the_parser_cannot_read_is_a_400_for_members_and_strangers_alike(
    api: Api, board: SeededBoard, aws: Any, attempt: tuple[BodyRoute, str], unreadable: Unreadable
) -> None:
    route, role = attempt
    before = table_snapshot(aws.table_name)

    response = route.send(api, board, role, route.with_value(unreadable.value))

    assert (response.status, response.error) == (400, unreadable.code), response.body
    assert unreadable.says in response.body["message"]
    assert table_snapshot(aws.table_name) == before


@pytest.mark.parametrize(("route", "role"), ATTEMPTS, ids=ATTEMPT_IDS)
@pytest.mark.parametrize("content_type", NOT_JSON_MEDIA_TYPES.values(), ids=NOT_JSON_MEDIA_TYPES.keys())
def test_a_body_declared_as_anything_but_json_is_a_415(
    api: Api, board: SeededBoard, route: BodyRoute, role: str, content_type: str
) -> None:
    response = route.send(api, board, role, "name=ok&role=editor", **{"Content-Type": content_type})

    assert (response.status, response.error) == (415, "unsupported_media_type"), response.body


def test_a_body_without_a_content_type_is_still_read_as_json(api: Api) -> None:
    response = api.call("POST", "/boards", raw_body='{"name": "Plain"}', headers={"Content-Type": ""})

    assert response.status == 201, response.body


def test_a_base64_body_that_is_not_utf8_is_malformed_json(api: Api) -> None:
    event = rest_event("POST", "/boards", user=USERS["owner"], body=base64.b64encode(b"\xff\xfe{}").decode())
    event["isBase64Encoded"] = True

    result = handler(event, LambdaContextDouble())

    assert (result["statusCode"], json.loads(result["body"])["error"]) == (400, "malformed_json")


def test_a_query_parameter_the_route_does_not_take_is_a_400_naming_it(api: Api) -> None:
    response = api.call("GET", "/boards", query={"limt": "5"})

    assert (response.status, response.error) == (400, "invalid_request"), response.body
    assert "'limt'" in response.body["message"]
    assert "cursor, limit" in response.body["message"]


REFUSED_CHARACTERS = {
    "NUL": "\x00",
    "escape (starts terminal sequences)": "\x1b[2J",
    "DEL": "\x7f",
    "a C1 control": "\x85",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "line separator": "\u2028",
}


@dataclass(frozen=True)
class TextField:
    """A text field of a request, and the rest of a body that is valid around it."""

    method: str
    path: str
    field: str
    rest: dict[str, Any] = dataclass_field(default_factory=dict)

    def send(self, api: Api, board: SeededBoard, value: Any) -> Any:
        url = self.path.format(board=board.board_id, task=board.task_id)
        return api.call(self.method, url, json_body={**self.rest, self.field: value})


TEXT_FIELDS = {
    "board name": TextField("POST", "/boards", "name"),
    "board description": TextField("POST", "/boards", "description", {"name": "ok"}),
    "task title": TextField("POST", "/boards/{board}/tasks", "title"),
    "task description": TextField("POST", "/boards/{board}/tasks", "description", {"title": "ok"}),
    "renamed task": TextField("PATCH", "/boards/{board}/tasks/{task}", "title", {"version": 1}),
}


@pytest.mark.parametrize("text_field", TEXT_FIELDS.values(), ids=TEXT_FIELDS.keys())
@pytest.mark.parametrize("character", REFUSED_CHARACTERS.values(), ids=REFUSED_CHARACTERS.keys())
def test_control_and_bidi_override_characters_in_text_are_refused_naming_the_character(
    api: Api, board: SeededBoard, aws: Any, text_field: TextField, character: str
) -> None:
    before = table_snapshot(aws.table_name)

    response = text_field.send(api, board, f"Quarterly{character}plan")

    assert (response.status, response.error) == (400, "invalid_request"), response.body
    assert f"body.{text_field.field}" in response.body["message"]
    assert f"U+{ord(character[0]):04X}" in response.body["message"]
    assert table_snapshot(aws.table_name) == before


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("description", "Steps:\n\t1. draft\r\n\t2. ship"),
        ("title", "Family 👨\u200d👩\u200d👧 and فارسی\u200cنویسی"),
        ("title", "mixed \u200fRTL mark\u200e and \u061c"),
    ],
    ids=["tabs and line breaks in a description", "joiners", "bidi marks (not overrides)"],
)
def test_ordinary_text_keeps_every_character(api: Api, board: SeededBoard, field: str, text: str) -> None:
    body = {"title": "t", field: text}

    response = api.call("POST", f"/boards/{board.board_id}/tasks", json_body=body)

    assert response.status == 201, response.body
    assert response.body[field] == text


def test_text_stored_before_the_rule_still_reads(api: Api, aws: Any) -> None:
    stored = repository().create_board(name="old\u202ename", description="", owner_id="user-owner")

    response = api.call("GET", f"/boards/{stored.board_id}")

    assert response.status == 200, response.body
    assert response.body["name"] == "old\u202ename"


ATTACHMENTS = "/boards/{board}/tasks/{task}/attachments"
STRICT_NUMBERS = {
    "board version": TextField("PATCH", "/boards/{board}", "version", {"name": "x"}),
    "task version": TextField("PATCH", "/boards/{board}/tasks/{task}", "version", {"title": "x"}),
    "attachment size": TextField(
        "POST", ATTACHMENTS, "size", {"fileName": "a.png", "contentType": "image/png"}
    ),
}
NOT_INTEGERS: dict[str, Any] = {'"10"': "10", "true": True, "1.5": 1.5}


@pytest.mark.parametrize("number_field", STRICT_NUMBERS.values(), ids=STRICT_NUMBERS.keys())
@pytest.mark.parametrize("value", NOT_INTEGERS.values(), ids=NOT_INTEGERS.keys())
def test_a_number_must_be_sent_as_a_json_integer_in_range(
    api: Api, board: SeededBoard, aws: Any, number_field: TextField, value: Any
) -> None:
    before = table_snapshot(aws.table_name)

    response = number_field.send(api, board, value)

    assert (response.status, response.error) == (400, "invalid_request"), response.body
    assert table_snapshot(aws.table_name) == before


def test_a_version_past_what_json_clients_read_exactly_is_a_400(api: Api, board: SeededBoard) -> None:
    response = api.call("PATCH", f"/boards/{board.board_id}", json_body={"version": 2**53, "name": "x"})

    assert (response.status, response.error) == (400, "invalid_request"), response.body
    assert "body.version" in response.body["message"]


def test_an_integral_json_number_is_an_integer_as_json_schema_reads_it(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks/{board.task_id}"

    response = api.call("PATCH", path, json_body={"version": float(board.task_version), "title": "x"})

    assert response.status == 200, response.body
    assert response.body["version"] == board.task_version + 1
