"""WebSocket connections and their board subscriptions, in the connections table.

Layout (attribute names from ``corkboard.table_design``)::

    Connection    pk=CONN#{connection_id}  sk=META                         user_id, connected_at, expiresAt
    Subscriber    pk=BOARD#{board_id}      sk=LANE#{lane}#{connection_id}  lane, user_id, failed_posts,
                                                                           expiresAt
    Subscription  pk=CONN#{connection_id}  sk=SUB#{board_id}               expiresAt
    Farewell      pk=BOARD#{board_id}      sk=FAREWELL#{event_type}#{user_id}#{connection_id}  expiresAt

A subscription is written twice so that both questions are a Query: "who listens to this board?" (the
broadcaster) and "what does this connection listen to?" (cleanup when it goes). Every item expires by
TTL when its connection would: API Gateway closes a WebSocket after 2 hours at the latest, so a
``$disconnect`` that never ran leaves nothing behind for long. Nothing here Scans.

A board's subscribers are filed by the key lane of their connection (``lane``, two hex digits, 64 lanes:
:mod:`corkboard.subscriber_lanes`), so that a sender of the sharded fan-out reads a run of lanes with one
Query of a key range (:meth:`ConnectionsRepository.subscribers_in_lanes`) and the broadcaster never lists
a large board. Every key of a Subscriber is rendered from the board and the connection by one helper
(``_subscriber_key``), so that what is written is what is read and deleted.

Migration: before issue 14 Subscribers were keyed ``CONN#{connection_id}``. The lane prefix is new, so this
code never reads such items, and never posts to a connection through one that it could not delete: a
subscription made before the deploy gets no events until its client subscribes again, and its items expire
by TTL within 2 hours (docs/operations.md, "Releases and rollbacks"). What ends subscriptions here ends the
retired items too (:class:`RetiredSubscriber`): the previous release, which reads them, may run again (a
rollback, or a failed stack update that CloudFormation rolls back), and then a member removed since the
deploy must not be found in them. Remove that once every environment has run this release for 2 hours.

Access is revoked here, never by the stream. Subscribing is one transaction with a check that the
caller's membership (or, for an admin, the board) still exists, so no subscription is written after a
removal has committed. Removing a member ends their subscriptions in one transaction with the
membership's deletion (:meth:`ConnectionsRepository.end_subscriptions_of`); deleting a board ends all
of its subscriptions. What ends a subscription leaves a Farewell: the connection is owed that one last
event (``member.removed``, ``board.deleted``), which the broadcaster sends as a courtesy and forgets.

Example:
    >>> connections = ConnectionsRepository()
    >>> connections.connect("L0SM9cOFvHcCIhw=", "user-1")
    >>> connections.subscribe("L0SM9cOFvHcCIhw=", "01J...", access=membership_check)
    >>> [s.connection_id for s in connections.subscribers_of("01J...")]
    ['L0SM9cOFvHcCIhw=']
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import cached_property
from itertools import islice
from typing import Any

from pydantic import Field, model_validator

from corkboard import settings
from corkboard.subscriber_lanes import LaneRange, key_lane, key_lane_label
from corkboard.table_design import (
    CONNECTIONS_PARTITION_KEY,
    CONNECTIONS_SORT_KEY,
    CONNECTIONS_TTL_ATTRIBUTE,
)
from corkboard.timestamps import UtcDatetime, utc_now
from dynamo_odm import (
    Attr,
    ConditionBase,
    ConditionFailedError,
    ItemNotFoundError,
    Key,
    Model,
    Table,
    TableSchema,
    WriteOp,
)

__all__ = [
    "CONNECTIONS_SCHEMA",
    "CONNECTION_LIFETIME",
    "Connection",
    "ConnectionsRepository",
    "Farewell",
    "RetiredSubscriber",
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
# Follows "#" in ASCII: the bound just past every key of a lane and before the next lane's first key.
_PAST_A_LANE = "$"
# DynamoDB takes at most 100 actions in one TransactWriteItems.
_TRANSACTION_ACTIONS = 100
# Ending one subscription deletes its two items and leaves a Farewell.
_ACTIONS_PER_ENDED_SUBSCRIPTION = 3


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
    keys={CONNECTIONS_PARTITION_KEY: _BOARD_PARTITION, CONNECTIONS_SORT_KEY: "LANE#{lane}#{connection_id}"},
    ttl_field="expires_at",
):
    """A connection listening to a board, filed under the board in its connection's key lane (what the
    broadcaster and the senders read)."""

    board_id: str = Field(frozen=True)
    connection_id: str = Field(frozen=True)
    # Always the connection's key lane (set from connection_id, whatever is given): a key template can only
    # name fields, and a lane given by hand could file the subscriber where no read or delete looks.
    lane: str = Field(default="", frozen=True)
    user_id: str = Field(frozen=True)
    expires_at: UtcDatetime
    # Posts of this board's events to the connection that failed in a row; a delivered one resets it.
    failed_posts: int = 0

    @model_validator(mode="before")
    @classmethod
    def _filed_in_the_connections_lane(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("connection_id"), str):
            return {**data, "lane": _lane_of(data["connection_id"])}
        return data


class RetiredSubscriber(
    Model,
    keys={CONNECTIONS_PARTITION_KEY: _BOARD_PARTITION, CONNECTIONS_SORT_KEY: "CONN#{connection_id}"},
):
    """A Subscriber as the release before issue 14 filed it: never read to post, only found to be deleted."""

    board_id: str = Field(frozen=True)
    connection_id: str = Field(frozen=True)
    user_id: str = Field(default="", frozen=True)


class Subscription(
    Model,
    keys={CONNECTIONS_PARTITION_KEY: _CONNECTION_PARTITION, CONNECTIONS_SORT_KEY: "SUB#{board_id}"},
    ttl_field="expires_at",
):
    """The same subscription filed under the connection (what its cleanup reads)."""

    connection_id: str = Field(frozen=True)
    board_id: str = Field(frozen=True)
    expires_at: UtcDatetime


class Farewell(
    Model,
    keys={
        CONNECTIONS_PARTITION_KEY: _BOARD_PARTITION,
        CONNECTIONS_SORT_KEY: "FAREWELL#{event_type}#{user_id}#{connection_id}",
    },
    ttl_field="expires_at",
):
    """A connection whose subscription to the board was ended, owed the event that ended it.

    Filed under the board beside its subscribers but under another prefix, so the broadcaster's read of
    the subscribers never sees it: nothing but that one event is ever sent to it for the board.
    """

    board_id: str = Field(frozen=True)
    event_type: str = Field(frozen=True)
    user_id: str = Field(frozen=True)
    connection_id: str = Field(frozen=True)
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

    def subscribe(
        self, connection_id: str, board_id: str, *, access: WriteOp[Any] | None = None
    ) -> Subscriber:
        """File the connection under the board (both ways), in one transaction that checks it is still open.

        ``access`` is a condition check on the main table (the caller's membership, or the board for an
        admin), written in the same transaction: a removal that commits first makes this raise
        ItemNotFoundError for that item instead of subscribing. ItemNotFoundError for the Connection if
        the connection is gone. The subscription expires with its connection and belongs to the user who
        opened it, whoever asks.
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
        writes = [
            self._table.check_op(Connection, {"connection_id": connection_id}),
            self._table.save_op(subscriber),
            self._table.save_op(subscription),
        ]
        self._table.transact_write([access, *writes] if access is not None else writes)
        return subscriber

    def unsubscribe(self, connection_id: str, board_id: str) -> None:
        """Stop posting the board's events to the connection; unsubscribing twice is harmless."""
        self._forget([(board_id, connection_id)])

    def subscribers_of(self, board_id: str) -> list[Subscriber]:
        """Every connection subscribed to the board now, however many pages that takes.

        A strongly consistent read: a subscription that a removal ended before this call is never in it.
        """
        return list(
            self._table.query_all(
                Subscriber, _filed_under(Subscriber, {"board_id": board_id}), consistent=True
            )
        )

    def subscriber_ids_of(self, board_id: str, *, at_most: int) -> list[str] | None:
        """The connections subscribed to the board now, by id, if there are at most ``at_most``; else None.

        One consistent keys-only Query of at most ``at_most + 1`` keys, whatever the size of the board: what
        the broadcaster reads to split a board among the senders (:meth:`subscribers_in_lanes`) without its
        own work growing with the board.
        """
        prefix = Subscriber.key_prefix(CONNECTIONS_SORT_KEY)
        keys = self._table.query_keys(
            _filed_under(Subscriber, {"board_id": board_id}), consistent=True, page_size=at_most + 1
        )
        # The lane label holds no "#": what follows the first one is the connection id, whatever it holds.
        ids = [
            str(key[CONNECTIONS_SORT_KEY]).removeprefix(prefix).split("#", 1)[1]
            for key in islice(keys, at_most + 1)
        ]
        return ids if len(ids) <= at_most else None

    def subscribers_in_lanes(self, board_id: str, lanes: LaneRange) -> list[Subscriber]:
        """Every connection subscribed to the board now in key lanes ``lanes``, however many pages it takes.

        A strongly consistent read, as :meth:`subscribers_of`: a subscription ended before this call (while
        a sender's message waited in the queue, for one) is never in it.
        """
        prefix = Subscriber.key_prefix(CONNECTIONS_SORT_KEY)
        condition = _partition(Subscriber, {"board_id": board_id}) & Key(CONNECTIONS_SORT_KEY).between(
            f"{prefix}{key_lane_label(lanes.first)}#", f"{prefix}{key_lane_label(lanes.last)}{_PAST_A_LANE}"
        )
        return list(self._table.query_all(Subscriber, condition, consistent=True))

    def end_subscriptions_of(
        self, board_id: str, user_id: str, *, together_with: WriteOp[Any], farewell: str
    ) -> int:
        """End every subscription ``user_id`` holds on the board, atomically with ``together_with``.

        ``together_with`` (the membership's deletion, on the main table) and the ends of the subscriptions
        are one TransactWriteItems: either the member is gone and so are their subscriptions, or neither.
        A transaction holds 100 actions, so subscriptions past the 33rd end first, on their own: if the
        request stops half-way, the member has lost live updates and kept the membership, never the other
        way round. A ``subscribe`` that passed its check just before the transaction may still have
        written after the first read; a second read ends those too. After the transaction no subscribe
        can succeed (its check fails), so nothing is left. Returns how many subscriptions ended.
        """
        found = self._subscriptions_of_user(board_id, user_id)
        in_transaction = (_TRANSACTION_ACTIONS - 1) // _ACTIONS_PER_ENDED_SUBSCRIPTION
        self._end(found[in_transaction:], farewell)
        self._table.transact_write([together_with, *self._end_ops(found[:in_transaction], farewell)])
        raced = self._subscriptions_of_user(board_id, user_id)
        self._end(raced, farewell)
        self._forget_retired(board_id, Attr("user_id").eq(user_id))
        return len(found) + len(raced)

    def end_board_subscriptions(self, board_id: str, *, farewell: str) -> int:
        """End every subscription to the board (it is being deleted); returns how many."""
        subscribers = self.subscribers_of(board_id)
        self._end(subscribers, farewell)
        self._forget_retired(board_id)
        return len(subscribers)

    def take_farewells(self, board_id: str, event_type: str, user_id: str | None = None) -> list[str]:
        """The connections owed ``event_type`` on the board (only ``user_id``'s, if given), forgotten now."""
        prefix = f"{Farewell.key_prefix(CONNECTIONS_SORT_KEY)}{event_type}#"
        if user_id is not None:
            prefix = f"{prefix}{user_id}#"
        farewells = list(
            self._table.query_all(
                Farewell, _filed_under(Farewell, {"board_id": board_id}, prefix), consistent=True
            )
        )
        self._table.batch_delete(Farewell, [dict(farewell) for farewell in farewells])
        return [farewell.connection_id for farewell in farewells]

    def record_failed_post(self, subscriber: Subscriber) -> int | None:
        """Count one more failed post to the subscriber; the new count, or None if it has unsubscribed.

        Counted from the item the broadcaster just read, not with an atomic ADD: one board's records are
        broadcast one at a time (they share a stream shard), so two counts of one subscriber never race.
        """
        counted = subscriber.model_copy(update={"failed_posts": subscriber.failed_posts + 1})
        try:
            return self._table.save(counted, condition=self._exists()).failed_posts
        except ConditionFailedError:
            return None

    def clear_failed_posts(self, subscriber: Subscriber) -> None:
        """A post got through: the failures before it were not in a row with the next ones."""
        try:
            self._table.save(subscriber.model_copy(update={"failed_posts": 0}), condition=self._exists())
        except ConditionFailedError:
            return

    def disconnect(self, connection_id: str) -> int:
        """Forget the connection and all its subscriptions; returns how many subscriptions ended.

        The connection item goes first: ``subscribe`` checks it in its transaction, so no subscription
        can be added after it, and the consistent read that follows sees every one added before.
        Deleting is unconditional: a connection that TTL or an earlier cleanup already removed is fine.
        """
        self._table.batch_delete(Connection, [{"connection_id": connection_id}])
        subscriptions = self._table.query_all(
            Subscription, _filed_under(Subscription, {"connection_id": connection_id}), consistent=True
        )
        return self._forget((s.board_id, s.connection_id) for s in subscriptions)

    # API Gateway answering 410 Gone means the client left without a $disconnect reaching us yet.
    drop_connection = disconnect

    def _subscriptions_of_user(self, board_id: str, user_id: str) -> list[Subscriber]:
        return list(
            self._table.query_all(
                Subscriber,
                _filed_under(Subscriber, {"board_id": board_id}),
                filter=Attr("user_id").eq(user_id),
                consistent=True,
            )
        )

    def _end(self, subscribers: Sequence[Subscriber], farewell: str) -> None:
        self._table.batch_save([self._farewell(subscriber, farewell) for subscriber in subscribers])
        self._forget((s.board_id, s.connection_id) for s in subscribers)

    def _end_ops(self, subscribers: Sequence[Subscriber], farewell: str) -> list[WriteOp[Any]]:
        ops: list[WriteOp[Any]] = []
        for subscriber in subscribers:
            key = _subscriber_key(subscriber.board_id, subscriber.connection_id)
            ops += [
                # Unconditional, as BatchWriteItem's deletes are: a tab that closed meanwhile is no failure.
                self._table.delete_op(Subscriber, key, must_exist=False),
                self._table.delete_op(Subscription, key, must_exist=False),
                self._table.save_op(self._farewell(subscriber, farewell)),
            ]
        return ops

    @staticmethod
    def _farewell(subscriber: Subscriber, event_type: str) -> Farewell:
        return Farewell(
            board_id=subscriber.board_id,
            event_type=event_type,
            user_id=subscriber.user_id,
            connection_id=subscriber.connection_id,
            expires_at=subscriber.expires_at,
        )

    @staticmethod
    def _exists() -> ConditionBase:
        return Attr(CONNECTIONS_PARTITION_KEY).exists()

    def _forget(self, subscriptions: Iterable[tuple[str, str]]) -> int:
        keys = [_subscriber_key(board_id, connection_id) for board_id, connection_id in subscriptions]
        self._table.batch_delete_each(
            (model, key) for key in keys for model in (Subscriber, RetiredSubscriber, Subscription)
        )
        return len(keys)

    def _forget_retired(self, board_id: str, only: ConditionBase | None = None) -> None:
        """Delete the board's retired Subscriber items (those ``only`` matches): see Migration above."""
        retired = self._table.query_all(
            RetiredSubscriber,
            _filed_under(RetiredSubscriber, {"board_id": board_id}),
            filter=only,
            consistent=True,
        )
        self._table.batch_delete(RetiredSubscriber, [dict(item) for item in retired])


def _partition(model: type[Model], values: Mapping[str, str]) -> ConditionBase:
    """A Query's condition on the partition that ``model`` files ``values`` under."""
    return Key(CONNECTIONS_PARTITION_KEY).eq(model.render_key(CONNECTIONS_PARTITION_KEY, values))


def _filed_under(model: type[Model], values: Mapping[str, str], prefix: str | None = None) -> ConditionBase:
    """A Query's key condition: ``model``'s items in that partition, or those whose sort key starts with
    ``prefix``."""
    sort_prefix = model.key_prefix(CONNECTIONS_SORT_KEY) if prefix is None else prefix
    return _partition(model, values) & Key(CONNECTIONS_SORT_KEY).begins_with(sort_prefix)


def _subscriber_key(board_id: str, connection_id: str) -> dict[str, str]:
    """The key values of a subscription's two items (the Subscriber's lane included), from what names it."""
    return {"board_id": board_id, "connection_id": connection_id, "lane": _lane_of(connection_id)}


def _lane_of(connection_id: str) -> str:
    return key_lane_label(key_lane(connection_id))
