"""The broadcaster as the tests drive it: a seeded board, its listeners' sockets, and the main table's stream.

Imported by name from the tests and conftest.py (pytest puts this directory on ``sys.path``).
"""

from dataclasses import dataclass
from typing import Any

from connections_endpoint import ConnectionsEndpoint
from lambda_context import LambdaContextDouble
from stream_tap import StreamTap

from corkboard.connections import ConnectionsRepository
from corkboard.repository import CorkboardRepository
from streams.broadcaster import handler

__all__ = ["EDITOR", "OWNER", "VIEWER", "Broadcast"]

OWNER, EDITOR, VIEWER = "user-owner", "user-editor", "user-viewer"


@dataclass(frozen=True)
class Broadcast:
    """A board (owner, editor and viewer are members), the stream from here on, and the sockets' inboxes."""

    board_id: str
    repository: CorkboardRepository
    connections: ConnectionsRepository
    endpoint: ConnectionsEndpoint
    tap: StreamTap

    def listen(self, connection_id: str, user_id: str, board_id: str | None = None) -> str:
        """Open a connection for ``user_id`` subscribed to the board (the seeded one by default)."""
        self.connections.connect(connection_id, user_id)
        self.connections.subscribe(connection_id, board_id or self.board_id)
        return connection_id

    def deliver(self) -> dict[str, Any]:
        """Run the broadcaster on every record written since the last delivery; its answer to Lambda."""
        return handler(self.tap.lambda_event(), LambdaContextDouble())

    def received(self, connection_id: str) -> list[Any]:
        return self.endpoint.frames(connection_id)

    def types_received(self, connection_id: str) -> list[str]:
        return [frame["type"] for frame in self.received(connection_id)]
