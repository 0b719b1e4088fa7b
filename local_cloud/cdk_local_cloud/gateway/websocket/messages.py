"""Delivers a connection's messages and its end to the API's routes, and answers as API Gateway does.

A message goes to the route that the API's selection expression names, else to ``$default``; with
neither, the client gets API Gateway's ``Forbidden`` error frame. A function that fails gets the client
the ``Internal server error`` frame. Only a two-way route (one with a RouteResponseSelectionExpression)
sends the integration's answer back: the ``body`` of its Lambda proxy response.
``$disconnect`` is best effort, as in AWS: its answer and its errors change nothing.
"""

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker
from cdk_local_cloud.gateway.websocket.connections import ConnectionClosedError, LiveConnection
from cdk_local_cloud.gateway.websocket.definitions import DISCONNECT_ROUTE, WebSocketApi, WebSocketRoute
from cdk_local_cloud.gateway.websocket.events import GatewayRequest, disconnect_event, message_event
from cdk_local_cloud.gateway.websocket.route_selection import RouteSelector

__all__ = ["RouteDispatcher"]

logger = logging.getLogger(__name__)

_NO_ROUTE = "Forbidden"
_FUNCTION_FAILED = "Internal server error"
_NOT_EMULATED = InvocationResult(
    error=FunctionError("IntegrationNotEmulated", "the route's integration is not a Lambda proxy one")
)


class RouteDispatcher:
    """Runs the routes of one API for its connections' messages and disconnects."""

    def __init__(self, api: WebSocketApi, invoker: ThreadedInvoker) -> None:
        self._api = api
        self._invoker = invoker
        self._selector = RouteSelector(api.name, api.route_selection_expression, api.routes)

    async def on_message(self, connection: LiveConnection, body: str) -> None:
        """Runs the route that ``body`` selects and sends the client what API Gateway would."""
        request = GatewayRequest()
        route_key = self._selector.route_key(body)
        if route_key is None:
            await _deliver(connection, _error_frame(_NO_ROUTE, connection, request))
            return
        route = self._api.routes[route_key]
        event = message_event(
            connection.context, request, route_key=route_key, body=body, authorizer=connection.authorizer
        )
        result = await self._run(route, event)
        if not result.succeeded:
            await _deliver(connection, _error_frame(_FUNCTION_FAILED, connection, request))
            return
        reply = _reply_of(result.payload) if route.two_way else None
        if reply is not None:
            await _deliver(connection, reply)

    async def on_disconnect(self, connection: LiveConnection, *, status_code: int, reason: str) -> None:
        """Tells the ``$disconnect`` route, if there is one, that the connection has closed."""
        route = self._api.routes.get(DISCONNECT_ROUTE)
        if route is None:
            return
        event = disconnect_event(
            connection.context,
            GatewayRequest(),
            status_code=status_code,
            reason=reason,
            authorizer=connection.authorizer,
        )
        await self._run(route, event)

    async def _run(self, route: WebSocketRoute, event: dict[str, Any]) -> InvocationResult:
        """The route function's result; a failure is logged here, once, for every caller."""
        result = (
            await self._invoker.invoke(route.function, event) if route.function is not None else _NOT_EMULATED
        )
        if result.error is not None:
            logger.warning(
                "WebSocket API %s route %s: %s failed (%s: %s).",
                self._api.name,
                route.key,
                route.function or "its integration",
                result.error.error_type,
                result.error.message,
            )
        return result


def _error_frame(message: str, connection: LiveConnection, request: GatewayRequest) -> str:
    return json.dumps(
        {"message": message, "connectionId": connection.connection_id, "requestId": request.request_id}
    )


def _reply_of(payload: Any) -> str | bytes | None:
    """The frame that a two-way route sends back: the ``body`` of the Lambda proxy response, if any."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("body"), str):
        return None
    body: str = payload["body"]
    if not payload.get("isBase64Encoded"):
        return body
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        logger.warning(
            "A two-way route answered isBase64Encoded with a body that is not base64; sent as text."
        )
        return body


async def _deliver(connection: LiveConnection, frame: str | bytes) -> None:
    # The client may leave while its route runs; like API Gateway, drop the frame then.
    try:
        await connection.send(frame)
    except ConnectionClosedError:
        logger.debug("Connection %s closed before its frame was sent.", connection.connection_id)
