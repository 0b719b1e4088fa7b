"""The open WebSocket connections: what ``@connections`` posts to, reads and deletes.

Every access happens on the gateway's event loop (the sockets' handlers and the ``@connections``
requests both run there), so the registry needs no lock. Sends to one socket are serialised by a
per-connection lock, so concurrent posts (a broadcaster fanning out, a reply from the action handler)
never interleave on a socket, while posts to different sockets never wait for each other.
"""

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from cdk_local_cloud.gateway.websocket.events import ConnectionContext

__all__ = ["MAX_MESSAGE_BYTES", "ConnectionClosedError", "ConnectionRegistry", "LiveConnection"]

# API Gateway's message payload quota, both ways: larger incoming messages close the socket with 1009.
MAX_MESSAGE_BYTES = 128 * 1024


class ConnectionClosedError(ConnectionError):
    """The client left while a frame was on its way; the caller should answer 410 Gone and forget it."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            f"Connection {connection_id} has closed; its frame was not sent. Forget the connection."
        )


@dataclass(eq=False)
class LiveConnection:
    """An accepted socket with the facts that its events and ``GET @connections`` report."""

    context: ConnectionContext
    socket: web.WebSocketResponse
    authorizer: Mapping[str, Any] | None
    last_active_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Set when the gateway closes the socket, so $disconnect reports the gateway's code, not the echo.
    gateway_close_code: int | None = None
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connection_id(self) -> str:
        return self.context.connection_id

    def touch(self) -> None:
        """Records client activity, which ``LastActiveAt`` reports."""
        self.last_active_at = datetime.now(UTC)

    async def send(self, frame: str | bytes) -> None:
        """Sends a text frame, or ``bytes`` as text if they are UTF-8, else binary, as API Gateway does."""
        if isinstance(frame, bytes):
            with contextlib.suppress(UnicodeDecodeError):
                frame = frame.decode("utf-8")
        await self._send(frame)

    async def close(self, code: int) -> None:
        """Closes the socket from the gateway's side; the client gets ``code``."""
        self.gateway_close_code = code
        await self.socket.close(code=code)

    async def _send(self, frame: str | bytes) -> None:
        async with self._sending:
            if self.socket.closed:
                raise ConnectionClosedError(self.connection_id)
            try:
                if isinstance(frame, str):
                    await self.socket.send_str(frame)
                else:
                    await self.socket.send_bytes(frame)
            except ConnectionResetError as error:
                raise ConnectionClosedError(self.connection_id) from error


class ConnectionRegistry:
    """Open connections by API, stage and connection id."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, str, str], LiveConnection] = {}

    def add(self, connection: LiveConnection) -> None:
        self._connections[_key_of(connection)] = connection

    def discard(self, connection: LiveConnection) -> None:
        self._connections.pop(_key_of(connection), None)

    def get(self, api_id: str, stage: str, connection_id: str) -> LiveConnection | None:
        return self._connections.get((api_id, stage, connection_id))

    def all(self) -> list[LiveConnection]:
        return list(self._connections.values())


def _key_of(connection: LiveConnection) -> tuple[str, str, str]:
    context = connection.context
    return (context.api_id, context.stage, context.connection_id)
