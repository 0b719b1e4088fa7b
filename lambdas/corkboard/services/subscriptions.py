"""WebSocket connections and board subscriptions: anyone signed in connects; members and admins subscribe.

A subscription is a read of the board, so it needs what reading the board over REST needs: a
membership in any role, or the admins group. A stranger is told the board does not exist, exactly as
REST tells them (404), so board ids cannot be probed over the socket either.

Example:
    >>> subscriptions.connect(caller, connection_id)
    >>> subscriptions.subscribe(caller, connection_id, board_id)   # ResourceNotFoundError for strangers
"""

from corkboard.connections import Connection
from corkboard.identity import Caller
from corkboard.models import Role
from corkboard.observability import tracer
from corkboard.services.board_access import authorize
from corkboard.services.store import connections

__all__ = ["connect", "disconnect", "subscribe", "unsubscribe"]


@tracer.capture_method
def connect(caller: Caller, connection_id: str) -> Connection:
    """Remember who opened the connection, until API Gateway's 2-hour limit closes it."""
    return connections().connect(connection_id, caller.user_id)


@tracer.capture_method
def disconnect(connection_id: str) -> None:
    """Forget the connection and end all its subscriptions."""
    connections().disconnect(connection_id)


@tracer.capture_method
def subscribe(caller: Caller, connection_id: str, board_id: str) -> None:
    """Start sending the board's events to the connection; for the board's members and for admins."""
    authorize(caller, board_id, Role.VIEWER)
    connections().subscribe(connection_id, board_id)


@tracer.capture_method
def unsubscribe(connection_id: str, board_id: str) -> None:
    """Stop sending the board's events to the connection (harmless if it was not subscribed)."""
    connections().unsubscribe(connection_id, board_id)
