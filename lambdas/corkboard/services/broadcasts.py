"""Delivering a board's events to every connection subscribed to it, or queuing them for the senders.

The subscribers are read when the event is sent (a strongly consistent read of the connections table), so
a subscription that a removal or a board deletion has ended never gets the event, whatever became of
earlier records. Only that read can fail the event as a whole (:class:`SubscribersUnreadableError`, which
the stream retries); a post that fails is that connection's affair (:mod:`corkboard.services.deliveries`).
The connections that a removal or deletion unsubscribed are owed that event (``member.removed``,
``board.deleted``): it is posted to them once, as a courtesy, and any failure is only logged.

**Sharded** (``FANOUT_QUEUE_URL`` set): :func:`publish` reads at most one bounded page of the subscribers'
ids and queues messages that each name a range of the board's key lanes (:mod:`corkboard.fanout_queue`);
the sender functions deliver each (:func:`corkboard.services.deliveries.deliver`).

Example:
    >>> broadcasts.publish(event, event_id=record.event_id)  # Broadcast or Queued; SubscribersUnreadableError
"""

import hashlib
from dataclasses import dataclass

from corkboard import settings
from corkboard.events import BoardEvent, EventType
from corkboard.fanout import FanoutReport
from corkboard.fanout_queue import LISTED_SUBSCRIBERS, batches_of
from corkboard.management_api import encode_frame
from corkboard.observability import logger, tracer
from corkboard.services.deliveries import post_to_subscribers, say_farewells
from corkboard.services.store import connections, fanout_queue

__all__ = ["Broadcast", "Queued", "SubscribersUnreadableError", "publish"]


class SubscribersUnreadableError(RuntimeError):
    """Who subscribes to the board could not be read, so nobody got the event: the stream retries it."""

    def __init__(self, event: BoardEvent) -> None:
        super().__init__(
            f"The subscribers of board {event.board_id} could not be read, so {event.type} was posted to "
            "nobody. The stream retries the record, then sends it to the on-failure queue."
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
        subscribers = connections().subscribers_of(event.board_id)
    except Exception as error:
        raise SubscribersUnreadableError(event) from error
    payload = encode_frame(event.frame())
    report = post_to_subscribers(payload, subscribers)
    farewells = say_farewells(payload, _owed(event))
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
