"""Delivering a board's events to every connection subscribed to it; one slow connection holds up no one.

The subscribers are read when the event is sent (a strongly consistent read of the connections table), so
a subscription that a removal or a board deletion has ended never gets the event, whatever became of
earlier records. Only that read can fail the event as a whole (:class:`SubscribersUnreadableError`, which
the stream retries); a post that fails is that connection's affair:

- **410 Gone**: the client left; the connection and its subscriptions are forgotten.
- **No answer in time** (:class:`~corkboard.management_api.PostTimedOutError`): the connection is closed
  at once (``DELETE @connections``) and forgotten. Each post that waits delays the board's next event for
  every subscriber, so a connection that does not take its frames is not given a second wait.
- **Any other failure** (``LimitExceededException`` for a client whose buffer is full, throttling, 5xx),
  after the one quick retry of :class:`~corkboard.management_api.ManagementApi`: the subscription counts it.
  :data:`FAILED_POSTS_BEFORE_CLOSING` failures in a row close the connection; a delivered post resets
  the count. A single failure can be API Gateway's passing trouble (it also answers ``LimitExceeded``
  when the account posts too fast), so it does not cost a healthy client its socket.

A client whose connection was closed reconnects and reads the board again, so it never misses an event
without knowing. The connections that a removal or deletion unsubscribed are owed that event
(``member.removed``, ``board.deleted``): it is posted to them once, as a courtesy, and any failure is
only logged.

**Sharded** (``FANOUT_QUEUE_URL`` set): :func:`publish` reads at most one bounded page of the subscribers'
ids and queues messages that each name a range of the board's key lanes (:mod:`corkboard.fanout_queue`);
the sender functions call :func:`deliver` for each, which reads the subscribers of its lanes, consistently,
and posts as above. A subscription ended while its message waited in the queue is therefore not posted to,
and each failure is counted from the subscriber as it is then (the FIFO queue gives a connection's messages
to one sender at a time, so two counts never race).

Example:
    >>> broadcasts.publish(event, event_id=record.event_id)  # Broadcast or Queued; SubscribersUnreadableError
    >>> broadcasts.deliver(batch)                             # in a sender: FanoutReport
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from corkboard import settings
from corkboard.connections import Subscriber
from corkboard.events import BoardEvent, EventType
from corkboard.fanout import FanoutReport, fan_out
from corkboard.fanout_queue import LISTED_SUBSCRIBERS, FanoutBatch, FarewellBatch, LaneBatch, batches_of
from corkboard.management_api import ConnectionGoneError, PostTimedOutError, encode_frame
from corkboard.observability import logger, tracer
from corkboard.services.store import connections, fanout_queue, management_api

__all__ = [
    "FAILED_POSTS_BEFORE_CLOSING",
    "BatchSubscribersUnreadableError",
    "Broadcast",
    "Queued",
    "SubscribersUnreadableError",
    "deliver",
    "publish",
]

FAILED_POSTS_BEFORE_CLOSING = 3


class SubscribersUnreadableError(RuntimeError):
    """Who subscribes to the board could not be read, so nobody got the event: the stream retries it."""

    def __init__(self, event: BoardEvent) -> None:
        super().__init__(
            f"The subscribers of board {event.board_id} could not be read, so {event.type} was posted to "
            "nobody. The stream retries the record, then sends it to the on-failure queue."
        )


class BatchSubscribersUnreadableError(RuntimeError):
    """Who subscribes in a queued batch's key lanes could not be read, so none of them was posted to."""

    def __init__(self, batch: LaneBatch) -> None:
        super().__init__(
            f"The subscribers of board {batch.board_id} in key lanes {batch.lanes.labels} could not be read, "
            "so their batch was posted to nobody. SQS receives it again after the queue's visibility "
            "timeout, then moves it to the dead-letter queue."
        )


@dataclass(frozen=True)
class Broadcast:
    """What became of one event: the posts to the subscribers, and the courtesy posts to the unsubscribed."""

    subscribers: FanoutReport
    farewells: FanoutReport


@dataclass(frozen=True)
class Queued:
    """What became of one event on the sharded path: the batches queued for the senders, and for whom."""

    batches: int
    # None: more than the broadcaster lists (LISTED_SUBSCRIBERS); the senders read them, lane by lane.
    subscribers: int | None
    farewells: int


@tracer.capture_method
def publish(event: BoardEvent, *, event_id: str | None = None) -> Broadcast | Queued:
    """Post the event to the board's current subscribers and to whoever it unsubscribed, or, with a fan-out
    queue, queue them for the senders; ``event_id`` (the stream record's) keeps a retry from queuing twice."""
    if settings.fanout_queue_url() is not None:
        return _queue(event, event_id)
    try:
        subscribers = {s.connection_id: s for s in connections().subscribers_of(event.board_id)}
    except Exception as error:
        raise SubscribersUnreadableError(event) from error
    payload = encode_frame(event.frame())
    concurrency = settings.fanout_concurrency()
    report = fan_out(list(subscribers), partial(_deliver, payload, subscribers), concurrency=concurrency)
    farewells = fan_out(_owed(event), partial(_say_farewell, payload), concurrency=concurrency)
    logger.info(
        "event posted",
        extra={
            "event_type": event.type.value,
            "board_id": event.board_id,
            "delivered": len(report.delivered),
            "gone": len(report.gone),
            "failed": len(report.failed),
            "farewells": len(farewells.delivered),
        },
    )
    return Broadcast(report, farewells)


@tracer.capture_method
def deliver(batch: FanoutBatch) -> FanoutReport:
    """Post one queued batch: to whoever subscribes in its key lanes now (read now), or, for a farewell
    batch, to each of its connections once."""
    payload = batch.frame.encode()
    concurrency = settings.fanout_concurrency()
    if isinstance(batch, FarewellBatch):
        return fan_out(batch.connection_ids, partial(_say_farewell, payload), concurrency=concurrency)
    try:
        found = connections().subscribers_in_lanes(batch.board_id, batch.lanes)
    except Exception as error:
        raise BatchSubscribersUnreadableError(batch) from error
    subscribers = {subscriber.connection_id: subscriber for subscriber in found}
    report = fan_out(list(subscribers), partial(_deliver, payload, subscribers), concurrency=concurrency)
    logger.info(
        "batch posted",
        extra={
            "board_id": batch.board_id,
            "key_lanes": batch.lanes.labels,
            "subscribers": len(subscribers),
            "delivered": len(report.delivered),
            "gone": len(report.gone),
            "failed": len(report.failed),
        },
    )
    return report


def _queue(event: BoardEvent, event_id: str | None) -> Queued:
    """Queue the event's messages for the senders; only reading who subscribes can fail it.

    The read is one bounded page of ids: a board of at most LISTED_SUBSCRIBERS is split by who is in it,
    a larger one into every key lane without being listed (its senders read their lanes).
    """
    try:
        subscriber_ids = connections().subscriber_ids_of(event.board_id, at_most=LISTED_SUBSCRIBERS)
    except Exception as error:
        raise SubscribersUnreadableError(event) from error
    farewell_ids = _owed(event)
    frame = encode_frame(event.frame()).decode()
    batches = batches_of(event.board_id, frame, subscriber_ids, farewell_ids)
    # Without the stream record's id, the frame (which carries the change's time) names the event.
    fanout_queue().send(event_id or hashlib.sha256(frame.encode()).hexdigest(), batches)
    subscribers = None if subscriber_ids is None else len(subscriber_ids)
    logger.info(
        "event queued",
        extra={
            "event_type": event.type.value,
            "board_id": event.board_id,
            "batches": len(batches),
            # One type per field, so log queries can compare it: a large board logs "listed": false and no
            # count (Powertools leaves out None).
            "subscribers": subscribers,
            "listed": subscribers is not None,
            "farewells": len(farewell_ids),
        },
    )
    return Queued(batches=len(batches), subscribers=subscribers, farewells=len(farewell_ids))


def _deliver(payload: bytes, subscribers: Mapping[str, Subscriber], connection_id: str) -> None:
    """One post; raises what became of it (for the report) after acting on it."""
    subscriber = subscribers[connection_id]
    try:
        management_api().post(connection_id, payload)
    except ConnectionGoneError:
        connections().drop_connection(connection_id)
        raise
    except PostTimedOutError as error:
        _close(connection_id, error)
        raise
    except Exception as error:
        failures = connections().record_failed_post(subscriber)
        if failures is not None and failures >= FAILED_POSTS_BEFORE_CLOSING:
            _close(connection_id, error)
        raise
    if subscriber.failed_posts:
        connections().clear_failed_posts(subscriber)


def _close(connection_id: str, cause: Exception) -> None:
    """Close a connection that does not take its frames, and forget it (its $disconnect may never come)."""
    logger.warning(
        "closing a connection that does not take its frames",
        extra={"connection_id": connection_id, "cause": f"{type(cause).__name__}: {cause}"},
    )
    try:
        management_api().close(connection_id)
    finally:
        connections().drop_connection(connection_id)


def _owed(event: BoardEvent) -> list[str]:
    """The unsubscribed connections owed this event; a courtesy, so a failed read only skips it."""
    user_id = str(event.data["userId"]) if event.type is EventType.MEMBER_REMOVED else None
    if event.type not in (EventType.MEMBER_REMOVED, EventType.BOARD_DELETED):
        return []
    try:
        return connections().take_farewells(event.board_id, event.type, user_id)
    except Exception:
        logger.exception("the connections owed this event could not be read; they go without it")
        return []


def _say_farewell(payload: bytes, connection_id: str) -> None:
    try:
        management_api().post(connection_id, payload)
    except ConnectionGoneError:
        connections().drop_connection(connection_id)
        raise
