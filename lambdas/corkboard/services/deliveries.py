"""Posting a frame to subscribed connections; one slow connection holds up no one.

A post that fails is that connection's affair:

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
without knowing. A farewell (the courtesy post to a connection an event unsubscribed) is posted once.

The fan-out senders call :func:`deliver` for each queued batch (:mod:`corkboard.fanout_queue`): it reads
the subscribers of the batch's key lanes, consistently, and posts as above. A subscription ended while its
message waited in the queue is therefore not posted to, and each failure is counted from the subscriber as
it is then (the FIFO queue gives a connection's messages to one sender at a time, so two counts never
race). A module apart from :mod:`corkboard.services.broadcasts` so that a sender never imports the events,
the stored models and their views, which only the broadcaster needs.

Example:
    >>> deliveries.deliver(batch)   # in a sender: FanoutReport; BatchSubscribersUnreadableError
"""

from collections.abc import Collection, Iterable, Mapping
from functools import partial

from corkboard import settings
from corkboard.connections import Subscriber
from corkboard.fanout import FanoutReport, fan_out
from corkboard.fanout_queue import FanoutBatch, FarewellBatch, LaneBatch
from corkboard.management_api import ConnectionGoneError, PostTimedOutError
from corkboard.observability import logger, tracer
from corkboard.services.store import connections, management_api

__all__ = [
    "FAILED_POSTS_BEFORE_CLOSING",
    "BatchSubscribersUnreadableError",
    "deliver",
    "post_to_subscribers",
    "say_farewells",
]

FAILED_POSTS_BEFORE_CLOSING = 3


class BatchSubscribersUnreadableError(RuntimeError):
    """Who subscribes in a queued batch's key lanes could not be read, so none of them was posted to."""

    def __init__(self, batch: LaneBatch) -> None:
        super().__init__(
            f"The subscribers of board {batch.board_id} in key lanes {batch.lanes.labels} could not be read, "
            "so their batch was posted to nobody. SQS receives it again after the queue's visibility "
            "timeout, then moves it to the dead-letter queue."
        )


@tracer.capture_method
def deliver(batch: FanoutBatch) -> FanoutReport:
    """Post one queued batch: to whoever subscribes in its key lanes now (read now), or, for a farewell
    batch, to each of its connections once."""
    payload = batch.frame.encode()
    if isinstance(batch, FarewellBatch):
        return say_farewells(payload, batch.connection_ids)
    try:
        subscribers = connections().subscribers_in_lanes(batch.board_id, batch.lanes)
    except Exception as error:
        raise BatchSubscribersUnreadableError(batch) from error
    report = post_to_subscribers(payload, subscribers)
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


def post_to_subscribers(payload: bytes, subscribers: Iterable[Subscriber]) -> FanoutReport:
    """Post the frame to every subscriber, FANOUT_CONCURRENCY at a time, each failure handled as above."""
    by_connection = {subscriber.connection_id: subscriber for subscriber in subscribers}
    return fan_out(
        list(by_connection), partial(_post, payload, by_connection), concurrency=settings.fanout_concurrency()
    )


def say_farewells(payload: bytes, connection_ids: Collection[str]) -> FanoutReport:
    """Post the frame once to each connection an event unsubscribed; a failure is only reported."""
    return fan_out(connection_ids, partial(_say_farewell, payload), concurrency=settings.fanout_concurrency())


def _post(payload: bytes, subscribers: Mapping[str, Subscriber], connection_id: str) -> None:
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


def _say_farewell(payload: bytes, connection_id: str) -> None:
    try:
        management_api().post(connection_id, payload)
    except ConnectionGoneError:
        connections().drop_connection(connection_id)
        raise
