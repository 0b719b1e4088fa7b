"""Serves one WebSocket API at ``ws://HOST/{apiId}/{stage}``: the handshake, the frames, the end.

Each message is handed to its route in a task of its own, as API Gateway invokes integrations
independently: a slow function never stops the socket from reading, answering pings, or receiving
``@connections`` posts. When the socket closes, it leaves the registry at once (a post then gets 410)
and ``$disconnect`` runs with the close code and reason, while messages still in flight finish on
their own, as in AWS.
"""

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSCloseCode, WSMessage, WSMsgType, hdrs, web

from cdk_local_cloud.gateway.websocket.connections import (
    MAX_MESSAGE_BYTES,
    ConnectionRegistry,
    LiveConnection,
)
from cdk_local_cloud.gateway.websocket.definitions import WebSocketApi
from cdk_local_cloud.gateway.websocket.events import ConnectionContext, GatewayRequest, Handshake
from cdk_local_cloud.gateway.websocket.handshake import Admission, ConnectAdmission, HandshakeRefusedError
from cdk_local_cloud.gateway.websocket.messages import RouteDispatcher

__all__ = ["WebSocketEndpoint"]

logger = logging.getLogger(__name__)

_NO_STATUS_RECEIVED = 1005
_CLOSE_HANDSHAKE_SECONDS = 2.0
# The disconnectReason that API Gateway reports when the client gave none.
_STANDARD_CLOSE_REASONS = {
    WSCloseCode.OK: "Connection Closed Normally",
    _NO_STATUS_RECEIVED: "Client-side close frame status not set",
}


class WebSocketEndpoint:
    """The aiohttp handler of one API's socket URL; :meth:`stop` ends it for a shutdown."""

    def __init__(
        self,
        api: WebSocketApi,
        admission: ConnectAdmission,
        dispatcher: RouteDispatcher,
        registry: ConnectionRegistry,
        *,
        domain_name: str,
    ) -> None:
        self._api = api
        self._admission = admission
        self._dispatcher = dispatcher
        self._registry = registry
        self._domain_name = domain_name
        self._stopping = False
        # Strong references: the loop keeps only weak ones to running tasks.
        self._in_flight: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answers the upgrade request, then serves the socket until it closes."""
        stage = request.match_info["stage"]
        if stage not in self._api.stages:
            return _json_error(403, "Forbidden")
        if request.headers.get(hdrs.UPGRADE, "").lower() != "websocket":
            return _json_error(
                426, "Upgrade Required: connect with a WebSocket client (e.g. wscat -c ws://...)"
            )
        context = ConnectionContext(
            api_id=self._api.api_id,
            stage=stage,
            domain_name=self._domain_name,
            source_ip=request.remote or "",
            user_agent=request.headers.get(hdrs.USER_AGENT),
        )
        handshake = Handshake(headers=tuple(request.headers.items()), query=tuple(request.query.items()))
        try:
            admission = await self._admission.admit(context, GatewayRequest(), handshake)
        except HandshakeRefusedError as refusal:
            # A 5xx is a fault in the app or the template, which the developer must see.
            level = logging.WARNING if refusal.status >= 500 else logging.INFO
            logger.log(level, "WebSocket API %s: %s", self._api.name, refusal)
            return web.Response(status=refusal.status, text=refusal.body, content_type="application/json")
        socket = _socket_for(admission)
        await socket.prepare(request)
        await self._serve(LiveConnection(context, socket, admission.authorizer))
        return socket

    async def stop(self) -> None:
        """Closes every socket (1001) and drops the messages in flight, without running ``$disconnect``.

        Only a stopping local cloud calls this: its functions are stopping too, so nobody would hear them.
        """
        self._stopping = True
        connections = [
            connection for connection in self._registry.all() if connection.context.api_id == self._api.api_id
        ]
        await asyncio.gather(*(connection.close(WSCloseCode.GOING_AWAY) for connection in connections))
        for task in list(self._in_flight):
            task.cancel()

    async def _serve(self, connection: LiveConnection) -> None:
        self._registry.add(connection)
        try:
            status_code, reason = await self._read_until_closed(connection)
        finally:
            self._registry.discard(connection)
        if not self._stopping:
            await self._dispatcher.on_disconnect(connection, status_code=status_code, reason=reason)

    def _start(self, handling: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(handling)
        self._in_flight.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "WebSocket API %s: a message was lost to an error.", self._api.name, exc_info=task.exception()
            )

    async def _read_until_closed(self, connection: LiveConnection) -> tuple[int, str]:
        """Reads frames until the socket closes; returns its close code and reason for ``$disconnect``."""
        while True:
            message = await connection.socket.receive()
            match message.type:
                case WSMsgType.TEXT:
                    connection.touch()
                    self._start(self._dispatcher.on_message(connection, message.data))
                case WSMsgType.BINARY:
                    logger.warning(
                        "WebSocket API %s: a client sent a binary frame; API Gateway closes the connection "
                        "(1003) for that. Send text frames.",
                        self._api.name,
                    )
                    await connection.close(WSCloseCode.UNSUPPORTED_DATA)
                case WSMsgType.CLOSE:
                    return _client_close(message)
                case WSMsgType.ERROR:
                    # aiohttp has closed the socket with the error's code, e.g. 1009 for a message too big.
                    return _close_status(getattr(message.data, "code", None))
                case _:
                    return _close_status(connection.gateway_close_code)


def _socket_for(admission: Admission) -> web.WebSocketResponse:
    return web.WebSocketResponse(
        # How long a close waits for the client's reply, so a frozen client cannot stall a delete or a stop.
        timeout=_CLOSE_HANDSHAKE_SECONDS,
        protocols=(admission.subprotocol,) if admission.subprotocol else (),
        # aiohttp refuses a message of exactly max_msg_size bytes; the quota allows one.
        max_msg_size=MAX_MESSAGE_BYTES + 1,
        # API Gateway negotiates no permessage-deflate, so clients see the same frames here.
        compress=False,
    )


def _client_close(message: WSMessage) -> tuple[int, str]:
    status_code = int(message.data) or _NO_STATUS_RECEIVED
    return status_code, str(message.extra or "") or _STANDARD_CLOSE_REASONS.get(status_code, "")


def _close_status(status_code: int | None) -> tuple[int, str]:
    """A close that the gateway started (delete, binary frame, too big), or 1006 for a link that dropped."""
    code = int(status_code or WSCloseCode.ABNORMAL_CLOSURE)
    return code, _STANDARD_CLOSE_REASONS.get(code, "")


def _json_error(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=json.dumps({"message": message}), content_type="application/json")
