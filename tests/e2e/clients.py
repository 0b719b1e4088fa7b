"""Signed-in REST and WebSocket clients for the end-to-end tests."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import requests
from websockets.asyncio.client import ClientConnection, connect

# Generous: the first event pays worker cold starts and the stream poller's idle back-off.
EVENT_DEADLINE_SECONDS = 60


class Api:
    """A signed-in REST client: every call carries the user's ID token."""

    def __init__(self, rest_url: str, token: str) -> None:
        self._rest_url = rest_url
        self._session = requests.Session()
        self._session.headers["Authorization"] = token

    def call(self, method: str, path: str, expected_status: int, body: Any = None) -> Any:
        response = self._session.request(method, f"{self._rest_url}{path}", json=body, timeout=60)
        assert response.status_code == expected_status, response.text
        return response.json() if response.content else None


@asynccontextmanager
async def subscribed(websocket_url: str, token: str, board_id: str) -> AsyncIterator[ClientConnection]:
    async with connect(f"{websocket_url}?token={token}") as socket:
        await socket.send(json.dumps({"action": "subscribe", "boardId": board_id}))
        assert (await next_event_of(socket, "subscribed"))["boardId"] == board_id
        yield socket


async def next_frame(socket: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(EVENT_DEADLINE_SECONDS):
        return json.loads(await socket.recv())


async def next_event_of(
    socket: ClientConnection, event_type: str, task_id: str | None = None
) -> dict[str, Any]:
    """Skips other frames (a PATCH may follow a create the socket has not read yet)."""
    while True:
        frame = await next_frame(socket)
        if frame.get("type") == event_type and task_id in (None, frame.get("data", {}).get("taskId")):
            return frame
