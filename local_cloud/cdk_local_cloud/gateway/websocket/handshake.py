"""Decides a $connect as API Gateway does: the route's Lambda REQUEST authorizer, then its integration.

The upgrade stays pending until both have answered, so a refused client never holds a socket:

- an identity source that is absent or empty: 401, without calling the authorizer;
- the authorizer failing with the message exactly ``Unauthorized``: 401;
- a policy that does not allow the ``methodArn`` (or denies it): 403;
- any other authorizer error, or an answer without ``principalId``, a readable ``policyDocument`` or a
  flat ``context``: 500;
- the $connect integration failing or answering without a ``statusCode``: 502; answering a status
  outside 2xx: that status.

An allowed caller's ``principalId`` and ``context`` become ``requestContext.authorizer`` of every later
event of the connection.
"""

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.gateway.execute_api_policy import MalformedPolicyError, policy_allows
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker
from cdk_local_cloud.gateway.websocket.definitions import (
    CONNECT_ROUTE,
    IdentitySource,
    IdentitySourceLocation,
    WebSocketApi,
    WebSocketAuthorizer,
    WebSocketRoute,
)
from cdk_local_cloud.gateway.websocket.events import (
    ConnectionContext,
    GatewayRequest,
    Handshake,
    authorizer_event,
    connect_event,
    method_arn,
)

__all__ = ["Admission", "ConnectAdmission", "HandshakeRefusedError"]

# API Gateway answers 401 to exactly this authorizer error message, and 500 to any other.
_UNAUTHORIZED_MESSAGE = "Unauthorized"
_SUBPROTOCOL_HEADER = "sec-websocket-protocol"
# API Gateway's bodies for the refusals that it answers itself.
_STANDARD_MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    500: "Internal server error",
    502: "Internal server error",
}


class HandshakeRefusedError(Exception):
    """The $connect was refused: ``status`` and ``body`` are the HTTP answer to the upgrade request."""

    def __init__(self, status: int, reason: str, body: str | None = None) -> None:
        super().__init__(f"$connect refused with HTTP {status}: {reason}")
        self.status = status
        self.body = (
            body if body is not None else json.dumps({"message": _STANDARD_MESSAGES.get(status, "Error")})
        )


@dataclass(frozen=True)
class Admission:
    """An accepted $connect: the connection's ``requestContext.authorizer`` and the chosen subprotocol."""

    authorizer: Mapping[str, Any] | None = None
    subprotocol: str | None = None


class ConnectAdmission:
    """Decides the $connects of one API: :meth:`admit` admits or raises HandshakeRefusedError."""

    def __init__(self, api: WebSocketApi, invoker: ThreadedInvoker, *, region: str, account_id: str) -> None:
        self._api = api
        self._invoker = invoker
        self._region = region
        self._account_id = account_id

    async def admit(
        self, connection: ConnectionContext, request: GatewayRequest, handshake: Handshake
    ) -> Admission:
        route = self._api.routes.get(CONNECT_ROUTE)
        if route is None:
            return Admission()
        authorizer = (
            await self._authorize(route.authorizer, connection, request, handshake)
            if route.authorizer
            else None
        )
        subprotocol = await self._connect(route, connection, request, handshake, authorizer)
        return Admission(authorizer=authorizer, subprotocol=subprotocol)

    async def _authorize(
        self,
        authorizer: WebSocketAuthorizer,
        connection: ConnectionContext,
        request: GatewayRequest,
        handshake: Handshake,
    ) -> dict[str, Any]:
        if authorizer.function is None:
            raise HandshakeRefusedError(
                500, f"authorizer {authorizer.name} cannot be run (see the start-up warning)"
            )
        stage_variables = self._api.stages[connection.stage]
        for source in authorizer.identity_sources:
            if not _identity_value(source, handshake, stage_variables):
                raise HandshakeRefusedError(401, f"identity source {source.name!r} is missing or empty")
        arn = method_arn(self._region, self._account_id, connection.api_id, connection.stage, CONNECT_ROUTE)
        event = authorizer_event(
            connection, request, handshake, method_arn=arn, stage_variables=stage_variables
        )
        started = time.monotonic()
        result = await self._invoker.invoke(authorizer.function, event)
        latency_ms = int((time.monotonic() - started) * 1000)
        return _authorizer_context(authorizer.name, result, arn, latency_ms)

    async def _connect(
        self,
        route: WebSocketRoute,
        connection: ConnectionContext,
        request: GatewayRequest,
        handshake: Handshake,
        authorizer: Mapping[str, Any] | None,
    ) -> str | None:
        if route.function is None:
            raise HandshakeRefusedError(500, "the $connect route's integration is not emulated")
        event = connect_event(connection, request, handshake, authorizer=authorizer)
        result = await self._invoker.invoke(route.function, event)
        if result.error is not None:
            raise HandshakeRefusedError(
                502, f"the $connect function failed ({result.error.error_type}: {result.error.message})"
            )
        status = _status_code(result.payload)
        if status is None:
            raise HandshakeRefusedError(
                502, "the $connect function answered without a statusCode; return one"
            )
        if not 200 <= status < 300:
            body = result.payload.get("body")
            raise HandshakeRefusedError(
                status, "the $connect function refused it", body if isinstance(body, str) else ""
            )
        return _header(result.payload, _SUBPROTOCOL_HEADER)


def _identity_value(
    source: IdentitySource, handshake: Handshake, stage_variables: Mapping[str, str]
) -> str | None:
    match source.location:
        case IdentitySourceLocation.QUERY_STRING:
            return handshake.query_parameter(source.name)
        case IdentitySourceLocation.HEADER:
            return handshake.header(source.name)
        case IdentitySourceLocation.STAGE_VARIABLE:
            return stage_variables.get(source.name)
        case IdentitySourceLocation.CONTEXT:
            # $context values (requestId, connectionId, ...) always exist by the time the authorizer runs.
            return source.name


def _authorizer_context(name: str, result: InvocationResult, arn: str, latency_ms: int) -> dict[str, Any]:
    """The connection's ``requestContext.authorizer`` if the authorizer's answer allows ``arn``."""
    answer = _authorizer_answer(name, result)
    try:
        allowed = policy_allows(answer.get("policyDocument"), arn)
    except MalformedPolicyError as error:
        raise HandshakeRefusedError(500, f"authorizer {name}: {error}") from error
    if not allowed:
        raise HandshakeRefusedError(403, f"authorizer {name}'s policy does not allow {arn}")
    return {
        **_flat_context(name, answer.get("context")),
        "principalId": answer["principalId"],
        "integrationLatency": latency_ms,
    }


def _authorizer_answer(name: str, result: InvocationResult) -> Mapping[str, Any]:
    if result.error is not None:
        if result.error.message == _UNAUTHORIZED_MESSAGE:
            raise HandshakeRefusedError(401, f"authorizer {name} answered Unauthorized")
        raise HandshakeRefusedError(
            500, f"authorizer {name} failed ({result.error.error_type}: {result.error.message})"
        )
    answer = result.payload
    if not isinstance(answer, Mapping) or not isinstance(answer.get("principalId"), str):
        raise HandshakeRefusedError(500, f"authorizer {name} answered without a string principalId; add one")
    return answer


def _flat_context(name: str, context: Any) -> Mapping[str, Any]:
    context = context or {}
    if not isinstance(context, Mapping) or any(
        isinstance(value, Mapping | list) for value in context.values()
    ):
        raise HandshakeRefusedError(
            500,
            f"authorizer {name} answered a context that is not flat; use string, number or boolean values",
        )
    return context


def _status_code(payload: Any) -> int | None:
    status = payload.get("statusCode") if isinstance(payload, Mapping) else None
    if isinstance(status, str) and status.isdigit():
        return int(status)
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _header(payload: Mapping[str, Any], name: str) -> str | None:
    headers = payload.get("headers")
    if not isinstance(headers, Mapping):
        return None
    values = [value for key, value in headers.items() if isinstance(key, str) and key.lower() == name]
    return str(values[-1]) if values else None
