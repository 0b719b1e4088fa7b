"""Drives the WebSocket handlers the way API Gateway does: $connect, frames, $disconnect, and the authorizer.

Events carry ``requestContext.authorizer`` exactly as API Gateway passes on what ``ws.authorizer``
returned (built with the same :func:`ws.authorizer_context.context_for`). Imported by name from the
tests (pytest puts this directory on ``sys.path``).
"""

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from connections_endpoint import ConnectionsEndpoint
from lambda_context import LambdaContextDouble

from corkboard.repository import CorkboardRepository
from corkboard.table_design import ADMIN_GROUP
from ws import actions, authorizer, connection
from ws.authorizer_context import context_for

__all__ = [
    "METHOD_ARN",
    "USERS",
    "Realtime",
    "Reply",
    "Socket",
    "User",
    "authorize",
    "authorizer_event",
    "websocket_event",
]

API_ID = "abc123defg"
STAGE = "test"
METHOD_ARN = f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/{STAGE}/$connect"
_EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}


@dataclass(frozen=True)
class User:
    """A user as the authorizer describes them to the later routes."""

    user_id: str
    groups: tuple[str, ...] = ()

    def authorizer(self) -> dict[str, Any]:
        claims = {
            "sub": self.user_id,
            "email": f"{self.user_id}@example.com",
            "cognito:groups": list(self.groups),
        }
        return {"principalId": self.user_id, **context_for(claims)}


USERS = {
    "stranger": User("user-stranger"),
    "viewer": User("user-viewer"),
    "editor": User("user-editor"),
    "owner": User("user-owner"),
    "admin": User("user-admin", (ADMIN_GROUP, "staff")),
}


def websocket_event(
    route_key: str, connection_id: str, *, user: User | None, body: str | None = None
) -> dict[str, Any]:
    """A WebSocket proxy event for a route, with the authorizer's context (none when ``user`` is None)."""
    return {
        "requestContext": {
            "routeKey": route_key,
            "eventType": _EVENT_TYPES.get(route_key, "MESSAGE"),
            "messageDirection": "IN",
            "connectionId": connection_id,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "stage": STAGE,
            "apiId": API_ID,
            "domainName": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
            "connectedAt": 1_700_000_000_000,
            "requestTimeEpoch": 1_700_000_000_500,
            "identity": {"sourceIp": "203.0.113.10"},
            "authorizer": None if user is None else user.authorizer(),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def authorizer_event(token: str | None) -> dict[str, Any]:
    """The REQUEST authorizer's event for ``wss://.../test?token=...`` (no query string when None)."""
    query = None if token is None else {"token": token}
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "headers": {"Host": f"{API_ID}.execute-api.us-east-1.amazonaws.com", "Upgrade": "websocket"},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": None if query is None else {"token": [token]},
        "stageVariables": {},
        "requestContext": {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "stage": STAGE,
            "apiId": API_ID,
            "connectionId": "conn-authorizing",
            "requestId": str(uuid.uuid4()),
        },
    }


def authorize(token: str | None) -> dict[str, Any]:
    """Run the authorizer as API Gateway does on a $connect with ``token``."""
    return authorizer.handler(authorizer_event(token), LambdaContextDouble())


@dataclass(frozen=True)
class Reply:
    """What a frame got: the handler's status code and the frame posted back to the connection."""

    status_code: int
    frame: Any


@dataclass(frozen=True)
class Socket:
    """One client connection, seen from the handlers."""

    connection_id: str
    user: User | None
    endpoint: ConnectionsEndpoint

    def connect(self) -> dict[str, Any]:
        return connection.connect(
            websocket_event("$connect", self.connection_id, user=self.user), LambdaContextDouble()
        )

    def disconnect(self) -> dict[str, Any]:
        event = websocket_event("$disconnect", self.connection_id, user=self.user)
        return connection.disconnect(event, LambdaContextDouble())

    def send(self, frame: Any, *, route_key: str = "$default") -> Reply:
        """Send a frame: a str as it is, bytes as a binary frame, anything else as JSON."""
        if isinstance(frame, bytes):
            return self._answer(route_key, base64.b64encode(frame).decode(), binary=True)
        return self._answer(route_key, frame if isinstance(frame, str) else json.dumps(frame), binary=False)

    def _answer(self, route_key: str, body: str, *, binary: bool) -> Reply:
        """Run the action handler on the frame; the reply is the last frame it posted back."""
        before = len(self.endpoint.frames(self.connection_id))
        event = websocket_event(route_key, self.connection_id, user=self.user, body=body)
        event["isBase64Encoded"] = binary
        result = actions.handler(event, LambdaContextDouble())
        posted = self.endpoint.frames(self.connection_id)[before:]
        return Reply(result["statusCode"], posted[-1] if posted else None)

    def received(self) -> list[Any]:
        return self.endpoint.frames(self.connection_id)


@dataclass(frozen=True)
class Realtime:
    """A board (owner, editor and viewer are members) and sockets opened by each kind of user."""

    board_id: str
    endpoint: ConnectionsEndpoint
    repository: CorkboardRepository

    def socket(self, role: str, connection_id: str | None = None) -> Socket:
        """A socket of ``role`` (see USERS) that has passed $connect."""
        socket = Socket(connection_id or f"conn-{role}", USERS[role], self.endpoint)
        assert socket.connect() == {"statusCode": 200}
        return socket
