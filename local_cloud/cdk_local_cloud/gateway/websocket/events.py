"""The events that API Gateway sends to a WebSocket API's functions, field for field.

Four shapes: the Lambda REQUEST authorizer's event on $connect, and the proxy integration's CONNECT,
MESSAGE and DISCONNECT events. They share one ``requestContext``, built here once, so that a handler
written against AWS's events (or Powertools' ``APIGatewayWebSocketEvent``) reads the same fields locally.
The authorizer's ``principalId`` and context travel in ``requestContext.authorizer`` on every event
after the authorizer has allowed the connection.
"""

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ConnectionContext",
    "GatewayRequest",
    "Handshake",
    "authorizer_event",
    "connect_event",
    "disconnect_event",
    "message_event",
    "method_arn",
]

# requestTime is in the access log's format, with English month names whatever the machine's locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# $disconnect does not carry the client's headers: AWS sends these, with its own host name.
_DISCONNECT_HEADER_NAMES = ("x-api-key", "x-restapi")


def _aws_style_id() -> str:
    """A fresh id shaped like API Gateway's connection and request ids, e.g. ``Kcs5VHzsIAMFb-Q=``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


@dataclass(frozen=True)
class ConnectionContext:
    """What every event of one connection repeats: the API, stage, connection and who opened it."""

    api_id: str
    stage: str
    domain_name: str
    source_ip: str
    user_agent: str | None
    connection_id: str = field(default_factory=_aws_style_id)
    connected_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def identity(self) -> dict[str, str]:
        identity = {"sourceIp": self.source_ip}
        if self.user_agent is not None:
            identity["userAgent"] = self.user_agent
        return identity


@dataclass(frozen=True)
class GatewayRequest:
    """One request as API Gateway counts them: a handshake (authorizer and $connect), a message, a close."""

    request_id: str = field(default_factory=_aws_style_id)
    extended_request_id: str = field(default_factory=_aws_style_id)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Handshake:
    """The headers and query string of the client's upgrade request, each as (name, value) pairs in order."""

    headers: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None

    def query_parameter(self, name: str) -> str | None:
        values = [value for key, value in self.query if key == name]
        return values[-1] if values else None

    def request_fields(self) -> dict[str, Any]:
        """The four header and query string fields, in API Gateway's shape (null for an empty query)."""
        return {
            "headers": _last_values(self.headers),
            "multiValueHeaders": _all_values(self.headers),
            "queryStringParameters": _last_values(self.query) or None,
            "multiValueQueryStringParameters": _all_values(self.query) or None,
        }


def method_arn(region: str, account_id: str, api_id: str, stage: str, route_key: str) -> str:
    """The ARN that an authorizer's policy must allow: ``arn:aws:execute-api:...:{api}/{stage}/$connect``."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{route_key}"


def authorizer_event(
    connection: ConnectionContext,
    request: GatewayRequest,
    handshake: Handshake,
    *,
    method_arn: str,
    stage_variables: Mapping[str, str],
) -> dict[str, Any]:
    """The REQUEST authorizer's event for a $connect."""
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        **handshake.request_fields(),
        "stageVariables": dict(stage_variables),
        "requestContext": _request_context(connection, request, "$connect", "CONNECT", authorizer=None),
    }


def connect_event(
    connection: ConnectionContext,
    request: GatewayRequest,
    handshake: Handshake,
    *,
    authorizer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The $connect integration's event."""
    return {
        **handshake.request_fields(),
        "requestContext": _request_context(connection, request, "$connect", "CONNECT", authorizer=authorizer),
        "isBase64Encoded": False,
    }


def message_event(
    connection: ConnectionContext,
    request: GatewayRequest,
    *,
    route_key: str,
    body: str,
    authorizer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """A message route's event: the client's text frame as ``body``."""
    context = _request_context(connection, request, route_key, "MESSAGE", authorizer=authorizer)
    return {
        "requestContext": {**context, "messageId": _aws_style_id()},
        "body": body,
        "isBase64Encoded": False,
    }


def disconnect_event(
    connection: ConnectionContext,
    request: GatewayRequest,
    *,
    status_code: int,
    reason: str,
    authorizer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The $disconnect integration's event, with the close code and reason of the socket."""
    headers = (("Host", connection.domain_name), *((name, "") for name in _DISCONNECT_HEADER_NAMES))
    context = _request_context(connection, request, "$disconnect", "DISCONNECT", authorizer=authorizer)
    return {
        "headers": _last_values(headers),
        "multiValueHeaders": _all_values(headers),
        "requestContext": {**context, "disconnectStatusCode": status_code, "disconnectReason": reason},
        "isBase64Encoded": False,
    }


def _request_context(
    connection: ConnectionContext,
    request: GatewayRequest,
    route_key: str,
    event_type: str,
    *,
    authorizer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request.extended_request_id,
        "requestTime": _access_log_time(request.received_at),
        "messageDirection": "IN",
        "stage": connection.stage,
        "connectedAt": _epoch_millis(connection.connected_at),
        "requestTimeEpoch": _epoch_millis(request.received_at),
        "identity": connection.identity,
        "requestId": request.request_id,
        "domainName": connection.domain_name,
        "connectionId": connection.connection_id,
        "apiId": connection.api_id,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    return context


def _last_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(pairs)


def _all_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _epoch_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _access_log_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%d}/{_MONTHS[utc.month - 1]}/{utc:%Y:%H:%M:%S} +0000"
