"""WebSocket connections and board subscriptions: anyone signed in connects; members and admins subscribe.

A subscription is a read of the board, so it needs what reading the board over REST needs: a
membership in any role, or the admins group. A stranger is told the board does not exist, exactly as
REST tells them (404), so board ids cannot be probed over the socket either. The check is made again
inside the transaction that writes the subscription, so a removal that lands between the check and the
write wins: the subscription is refused, never left behind.

Example:
    >>> subscriptions.connect(caller, connection_id)
    >>> subscriptions.subscribe(caller, connection_id, board_id)   # ResourceNotFoundError for strangers
"""

from corkboard.connections import Connection
from corkboard.errors import ResourceNotFoundError
from corkboard.identity import Caller
from corkboard.models import Role
from corkboard.observability import tracer
from corkboard.services.board_access import authorize
from corkboard.services.store import connections, repository
from dynamo_odm import ItemNotFoundError

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
    membership = authorize(caller, board_id, Role.VIEWER)
    member = None if membership is None else caller.user_id
    try:
        connections().subscribe(
            connection_id, board_id, access=repository().read_access_check(board_id, member)
        )
    except ItemNotFoundError as error:
        if error.model_name == Connection.__name__:
            raise
        raise ResourceNotFoundError("Board", board_id) from error


@tracer.capture_method
def unsubscribe(connection_id: str, board_id: str) -> None:
    """Stop sending the board's events to the connection (harmless if it was not subscribed)."""
    connections().unsubscribe(connection_id, board_id)
