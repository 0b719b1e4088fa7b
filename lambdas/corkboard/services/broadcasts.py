"""Delivering a board's events to every connection subscribed to it.

Delivery is at least once. Posts run concurrently (:mod:`corkboard.fanout`). A connection that has gone
(410) is forgotten on the spot and is no failure. Any other failed post raises
:class:`DeliveryFailedError`, so the stream retries the whole record and every subscriber may see the
event twice; clients tell repeats by the item's ``version``.

Some events end subscriptions, but only once everyone has the event: the removed member receives their
own ``member.removed`` and then stops receiving the board; a ``board.deleted`` reaches every subscriber,
then all of the board's subscriptions end.

Example:
    >>> broadcasts.publish(event)   # FanoutReport, or DeliveryFailedError
"""

from collections.abc import Mapping
from functools import partial

from corkboard import settings
from corkboard.events import BoardEvent, EventType
from corkboard.fanout import FanoutReport, fan_out
from corkboard.management_api import ConnectionGoneError, encode_frame
from corkboard.observability import logger, tracer
from corkboard.services.store import connections, management_api

__all__ = ["DeliveryFailedError", "publish"]

# Enough ids to find the connections in the logs without flooding a message.
_REPORTED_FAILURES = 5


class DeliveryFailedError(RuntimeError):
    """Some subscribers did not get the event for a reason other than having left."""

    def __init__(self, event: BoardEvent, failed: Mapping[str, Exception]) -> None:
        shown = ", ".join(
            f"{cid} ({type(error).__name__})" for cid, error in list(failed.items())[:_REPORTED_FAILURES]
        )
        super().__init__(
            f"{event.type} on board {event.board_id} could not be posted to {len(failed)} connection(s): "
            f"{shown}. The stream retries the record, then sends it to the on-failure queue."
        )
        self.failed = dict(failed)


@tracer.capture_method
def publish(event: BoardEvent) -> FanoutReport:
    """Post the event to the board's subscribers; raise DeliveryFailedError unless each got it or has gone."""
    subscribers = connections().subscribers_of(event.board_id)
    report = fan_out(
        [subscriber.connection_id for subscriber in subscribers],
        partial(_post_or_forget, encode_frame(event.frame())),
        concurrency=settings.fanout_concurrency(),
    )
    logger.info(
        "event posted",
        extra={
            "event_type": event.type.value,
            "board_id": event.board_id,
            "delivered": len(report.delivered),
            "gone": len(report.gone),
            "failed": len(report.failed),
        },
    )
    if report.failed:
        raise DeliveryFailedError(event, report.failed)
    _end_subscriptions_after(event)
    return report


def _post_or_forget(payload: bytes, connection_id: str) -> None:
    try:
        management_api().post(connection_id, payload)
    except ConnectionGoneError:
        connections().drop_connection(connection_id)
        raise


def _end_subscriptions_after(event: BoardEvent) -> None:
    if event.type is EventType.MEMBER_REMOVED:
        connections().unsubscribe_user(event.board_id, str(event.data["userId"]))
    elif event.type is EventType.BOARD_DELETED:
        connections().drop_board(event.board_id)
