"""Drives ``api.app.handler`` the way API Gateway does: REST proxy events with Cognito claims.

Imported by name from the tests (pytest puts this directory on ``sys.path``); the fixtures that use it
live in conftest.py.
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from lambda_context import LambdaContextDouble

from api.app import handler, respond
from corkboard.models import Board
from corkboard.table_design import ADMIN_GROUP, PARTITION_KEY

__all__ = [
    "ROLES",
    "USERS",
    "Api",
    "ApiResponse",
    "SeededBoard",
    "User",
    "board_items",
    "rest_event",
    "table_snapshot",
]

ROLES = ("anonymous", "stranger", "viewer", "editor", "owner", "admin")


@dataclass(frozen=True)
class User:
    """A signed-in user as the Cognito authorizer describes them (``sub`` None means no claims at all)."""

    sub: str | None
    groups: tuple[str, ...] = ()

    def claims(self) -> dict[str, str] | None:
        """The claims API Gateway would pass on, or None for an anonymous caller."""
        if self.sub is None:
            return None
        claims = {"sub": self.sub, "email": f"{self.sub}@example.com"}
        if self.groups:
            # API Gateway renders list claims as "[a b]"; identity.parse_groups must read that shape.
            claims["cognito:groups"] = "[" + " ".join(self.groups) + "]"
        return claims


USERS = {
    "anonymous": User(None),
    "stranger": User("user-stranger"),
    "viewer": User("user-viewer"),
    "editor": User("user-editor"),
    "owner": User("user-owner"),
    "admin": User("user-admin", (ADMIN_GROUP, "staff")),
}


@dataclass(frozen=True)
class ApiResponse:
    """A decoded handler result: status, JSON body (None when empty) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]
    raw_body: str

    @property
    def error(self) -> str | None:
        """The error code of an error response."""
        return self.body.get("error") if isinstance(self.body, dict) else None


def rest_event(
    method: str,
    path: str,
    *,
    user: User,
    body: str | None = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, stage ``prod``, as the Cognito authorizer passes it on."""
    request_headers = {"Content-Type": "application/json", **(headers or {})}
    authorizer = {"claims": user.claims()} if user.sub is not None else None
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": request_headers,
        "multiValueHeaders": {name: [value] for name, value in request_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "apiId": "api1234567",
            "identity": {"sourceIp": "203.0.113.10"},
            "authorizer": authorizer,
        },
        "body": body,
        "isBase64Encoded": False,
    }


class Api:
    """Calls ``api.app.handler`` in-process and decodes its response.

    Given a ``resolver`` (``api.app.build_app()`` under other settings), has that one answer instead.
    """

    def __init__(self, resolver: APIGatewayRestResolver | None = None) -> None:
        self._resolver = resolver

    def _invoke(self, event: dict[str, Any], context: LambdaContextDouble) -> dict[str, Any]:
        if self._resolver is None:
            return handler(event, context)
        return respond(self._resolver, event, context)

    def call(
        self,
        method: str,
        path: str,
        role: str = "owner",
        *,
        json_body: Any = None,
        raw_body: str | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        body = raw_body if raw_body is not None else None if json_body is None else json.dumps(json_body)
        event = rest_event(method, path, user=USERS[role], body=body, query=query, headers=headers)
        result = self._invoke(event, LambdaContextDouble())
        multi_value_headers = result.get("multiValueHeaders") or {}
        response_headers = {name: values[-1] for name, values in multi_value_headers.items()}
        response_headers.update(result.get("headers") or {})
        raw = result.get("body") or ""
        return ApiResponse(int(result["statusCode"]), json.loads(raw) if raw else None, response_headers, raw)


@dataclass(frozen=True)
class SeededBoard:
    """What the ``board`` fixture created: ids and versions a test starts from."""

    board_id: str
    task_id: str
    task_version: int
    board_version: int
    extra_member: str


def board_items(table_name: str, board_id: str) -> list[dict[str, Any]]:
    """Every item in the board's partition, read straight from DynamoDB."""
    client = boto3.client("dynamodb")
    response = client.query(
        TableName=table_name,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": PARTITION_KEY},
        ExpressionAttributeValues={":pk": {"S": Board.render_key(PARTITION_KEY, {"board_id": board_id})}},
        ConsistentRead=True,
    )
    return response["Items"]


def table_snapshot(table_name: str) -> list[dict[str, Any]]:
    """The whole table, sorted, to prove a refused request changed nothing (a test may Scan)."""
    client = boto3.client("dynamodb")
    items = client.scan(TableName=table_name, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
