"""WebSocket connections and their board subscriptions, in the connections table.

Layout (attribute names from ``corkboard.table_design``)::

    Connection    pk=CONN#{connection_id}  sk=META              user_id, connected_at, expiresAt
    Subscriber    pk=BOARD#{board_id}      sk=CONN#{connection_id}  user_id, expiresAt
    Subscription  pk=CONN#{connection_id}  sk=SUB#{board_id}    expiresAt

A subscription is written twice so that both questions are a Query: "who listens to this board?" (the
broadcaster) and "what does this connection listen to?" (cleanup when it goes). Every item expires by
TTL when its connection would: API Gateway closes a WebSocket after 2 hours at the latest, so a
``$disconnect`` that never ran leaves nothing behind for long. Nothing here Scans.

Example:
    >>> connections = ConnectionsRepository()
    >>> connections.connect("L0SM9cOFvHcCIhw=", "user-1")
    >>> connections.subscribe("L0SM9cOFvHcCIhw=", "01J...")
    >>> [s.connection_id for s in connections.subscribers_of("01J...")]
    ['L0SM9cOFvHcCIhw=']
"""

from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property
from typing import Any

from pydantic import Field

from corkboard import settings
from corkboard.models import UtcDatetime, utc_now
from corkboard.odm import Attr, ConditionBase, ItemNotFoundError, Key, Model, Table, TableSchema
from corkboard.table_design import (
    CONNECTIONS_PARTITION_KEY,
    CONNECTIONS_SORT_KEY,
    CONNECTIONS_TTL_ATTRIBUTE,
)

__all__ = [
    "CONNECTIONS_SCHEMA",
    "CONNECTION_LIFETIME",
    "Connection",
    "ConnectionsRepository",
    "Subscriber",
    "Subscription",
]

# API Gateway's hard limit on a WebSocket connection's duration.
CONNECTION_LIFETIME = timedelta(hours=2)

CONNECTIONS_SCHEMA = TableSchema(
    partition_key=CONNECTIONS_PARTITION_KEY,
    sort_key=CONNECTIONS_SORT_KEY,
    ttl_attribute=CONNECTIONS_TTL_ATTRIBUTE,
)

_CONNECTION_PARTITION = "CONN#{connection_id}"
_BOARD_PARTITION = "BOARD#{board_id}"


class Connection(
    Model,
    keys={CONNECTIONS_PARTITION_KEY: _CONNECTION_PARTITION, CONNECTIONS_SORT_KEY: "META"},
    ttl_field="expires_at",
):
    """An open WebSocket and the user whose token opened it."""

    connection_id: str = Field(frozen=True)
    user_id: str = Field(frozen=True)
    connected_at: UtcDatetime = Field(default_factory=utc_now, frozen=True)
    expires_at: UtcDatetime


class Subscriber(
    Model,
    keys={CONNECTIONS_PARTITION_KEY: _BOARD_PARTITION, CONNECTIONS_SORT_KEY: _CONNECTION_PARTITION},
    ttl_field="expires_at",
):
    """A connection listening to a board, filed under the board (what the broadcaster reads)."""

    board_id: str = Field(frozen=True)
    connection_id: str = Field(frozen=True)
    user_id: str = Field(frozen=True)
    expires_at: UtcDatetime


class Subscription(
    Model,
    keys={CONNECTIONS_PARTITION_KEY: _CONNECTION_PARTITION, CONNECTIONS_SORT_KEY: "SUB#{board_id}"},
    ttl_field="expires_at",
):
    """The same subscription filed under the connection (what its cleanup reads)."""

    connection_id: str = Field(frozen=True)
    board_id: str = Field(frozen=True)
    expires_at: UtcDatetime


class ConnectionsRepository:
    """Connections and subscriptions, in the table named by ``CONNECTIONS_TABLE_NAME`` (read on first use)."""

    def __init__(self, table_name: str | None = None, client: Any = None) -> None:
        self._table_name = table_name
        self._client = client

    @cached_property
    def _table(self) -> Table:
        name = self._table_name or settings.connections_table_name()
        return Table(name, CONNECTIONS_SCHEMA, client=self._client)

    def connect(self, connection_id: str, user_id: str) -> Connection:
        """Record a new connection; it expires when API Gateway would close it."""
        # Whole seconds, as the TTL is stored: the expiry then reads back as exactly connected_at + 2 h.
        now = utc_now().replace(microsecond=0)
        connection = Connection(
            connection_id=connection_id,
            user_id=user_id,
            connected_at=now,
            expires_at=now + CONNECTION_LIFETIME,
        )
        return self._table.save(connection)

    def get_connection(self, connection_id: str) -> Connection | None:
        return self._table.get(Connection, {"connection_id": connection_id}, consistent=True)

    def subscribe(self, connection_id: str, board_id: str) -> Subscriber:
        """File the connection under the board (both ways); ItemNotFoundError if the connection is gone.

        The subscription expires with its connection and belongs to the user who opened it, whoever asks.
        """
        connection = self.get_connection(connection_id)
        if connection is None:
            raise ItemNotFoundError("Connection", {"connection_id": connection_id})
        subscriber = Subscriber(
            board_id=board_id,
            connection_id=connection_id,
            user_id=connection.user_id,
            expires_at=connection.expires_at,
        )
        subscription = Subscription(
            connection_id=connection_id, board_id=board_id, expires_at=connection.expires_at
        )
        self._table.batch_save([subscriber, subscription])
        return subscriber

    def unsubscribe(self, connection_id: str, board_id: str) -> None:
        """Stop posting the board's events to the connection; unsubscribing twice is harmless."""
        self._forget([(board_id, connection_id)])

    def subscribers_of(self, board_id: str) -> list[Subscriber]:
        """Every connection subscribed to the board, however many pages that takes."""
        return list(self._table.query_all(Subscriber, self._board_subscribers(board_id)))

    def unsubscribe_user(self, board_id: str, user_id: str) -> int:
        """End every subscription ``user_id`` holds on the board (all their tabs); returns how many."""
        subscribers = self._table.query_all(
            Subscriber, self._board_subscribers(board_id), filter=Attr("user_id").eq(user_id)
        )
        return self._forget((s.board_id, s.connection_id) for s in subscribers)

    def drop_board(self, board_id: str) -> int:
        """End every subscription to the board (it was deleted); returns how many."""
        return self._forget((s.board_id, s.connection_id) for s in self.subscribers_of(board_id))

    def disconnect(self, connection_id: str) -> int:
        """Forget the connection and all its subscriptions; returns how many subscriptions ended.

        The connection item goes first, so a ``subscribe`` racing with this finds it gone and adds nothing.
        Deleting is unconditional: a connection that TTL or an earlier cleanup already removed is fine.
        """
        self._table.batch_delete(Connection, [{"connection_id": connection_id}])
        partition = Connection.render_key(CONNECTIONS_PARTITION_KEY, {"connection_id": connection_id})
        subscriptions = self._table.query_all(
            Subscription,
            Key(CONNECTIONS_PARTITION_KEY).eq(partition)
            & Key(CONNECTIONS_SORT_KEY).begins_with(Subscription.key_prefix(CONNECTIONS_SORT_KEY)),
        )
        return self._forget((s.board_id, s.connection_id) for s in subscriptions)

    # API Gateway answering 410 Gone means the client left without a $disconnect reaching us yet.
    drop_connection = disconnect

    def _forget(self, subscriptions: Iterable[tuple[str, str]]) -> int:
        keys = [
            {"board_id": board_id, "connection_id": connection_id}
            for board_id, connection_id in subscriptions
        ]
        self._table.batch_delete(Subscriber, keys)
        self._table.batch_delete(Subscription, keys)
        return len(keys)

    @staticmethod
    def _board_subscribers(board_id: str) -> ConditionBase:
        partition = Subscriber.render_key(CONNECTIONS_PARTITION_KEY, {"board_id": board_id})
        return Key(CONNECTIONS_PARTITION_KEY).eq(partition) & Key(CONNECTIONS_SORT_KEY).begins_with(
            Subscriber.key_prefix(CONNECTIONS_SORT_KEY)
        )
