"""Messages of a board event for the sender functions: the sharded fan-out.

With ``FANOUT_QUEUE_URL`` set, the broadcaster does not post an event to every subscriber itself: it queues
messages on the FIFO fan-out queue, and sender functions (``streams.sender``) post them in parallel, so an
event's latency is that of one message, whatever the size of the board. A message for the subscribers names
none of them: it names a range of the board's key lanes (:mod:`corkboard.subscriber_lanes`), and its sender
reads who subscribes there when it posts (:class:`LaneBatch`). The broadcaster's own work is then bounded:

- **A board of at most** :data:`LISTED_SUBSCRIBERS` **subscribers** (one keys-only Query tells): the key
  lanes are grouped in ``lanes`` message lanes, the smallest power of two that leaves a message lane
  :data:`BATCH_SIZE` subscribers on average (1 for up to 100, 16 for 1,000), and only the message lanes that
  hold a subscriber are queued.
- **A larger board**, whose subscribers the broadcaster does not list: one message per key lane (64), each
  read by its sender in one Query of that lane.

The queue is FIFO so that a connection gets a board's events in the order of the stream. A message's group is
its board and key-lane range (``{board id}#{first:02x}-{last:02x}``), so a connection is always in the same
group of its board for a given number of message lanes, and SQS hands out a group's messages one at a time,
in order, while different groups go to different senders at once. When a board crosses a power of two (or
the listing limit) its connections move to other groups, so an event queued just before and one just after
may reach a connection out of order, once.

The connections that an event unsubscribed (``member.removed``, ``board.deleted``) have no subscription left
to read: they go by id, in :class:`FarewellBatch` messages of at most :data:`BATCH_SIZE`, in the groups their
key lanes fall in.

Each message's deduplication id is derived from the stream record, the group (which names the key lanes), the
kind and the part: a record that the stream retries after some of its messages were queued queues none of
them twice (within SQS's five-minute deduplication window, far longer than the stream's retries take), and a
retry that splits the board differently queues different ranges under different ids, never one range
mistaken for another.

Example:
    >>> queue = FanoutQueue()
    >>> queue.send("stream-event-id", batches_of("01J...", frame_text, subscriber_ids, farewell_ids))
"""

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Self

import boto3
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from corkboard import settings
from corkboard.subscriber_lanes import KEY_LANES, LaneRange, key_lane, message_lane_of, message_lanes
from corkboard.table_design import ENV_FANOUT_QUEUE_URL

__all__ = [
    "BATCH_SIZE",
    "LISTED_SUBSCRIBERS",
    "FanoutBatch",
    "FanoutQueue",
    "FanoutQueueError",
    "FarewellBatch",
    "LaneBatch",
    "MalformedFanoutBatchError",
    "QueuedBatch",
    "batches_of",
    "read_batch",
]

# Subscribers a message lane holds on average, and connections a farewell batch holds at most: one sender
# posts them in a few round trips (32 at a time), and 100 ids with the largest frame a WebSocket post takes
# (128 KB) stay well inside an SQS message (256 KB).
BATCH_SIZE = 100
# The most subscribers the broadcaster lists (one keys-only Query of up to 1,001 keys, some 80 KB): a board
# with more is queued as every key lane without being listed, so the broadcaster's read stops growing there.
LISTED_SUBSCRIBERS = 1000
# SendMessageBatch takes at most ten messages.
_MESSAGES_PER_REQUEST = 10

_LaneNumber = Annotated[int, Field(ge=0, lt=KEY_LANES)]


class LaneBatch(BaseModel):
    """One message of the fan-out queue: an encoded frame, for whoever subscribes in a range of key lanes."""

    # Built when the first batch is read or written, not at import (a cold start builds no schema).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["lanes"] = "lanes"
    board_id: str = Field(min_length=1)
    # The event's frame as it goes over the socket (compact JSON text), encoded once by the broadcaster.
    frame: str = Field(min_length=2)
    first_lane: _LaneNumber
    last_lane: _LaneNumber

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        LaneRange(self.first_lane, self.last_lane)  # refuses a last lane before the first
        return self

    @property
    def lanes(self) -> LaneRange:
        return LaneRange(self.first_lane, self.last_lane)


class FarewellBatch(BaseModel):
    """One message of the fan-out queue: the frame of an event that unsubscribed these connections, posted
    to each once, as a courtesy, without reading subscriptions (there are none any more)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["farewell"] = "farewell"
    board_id: str = Field(min_length=1)
    frame: str = Field(min_length=2)
    connection_ids: tuple[str, ...] = Field(min_length=1, max_length=BATCH_SIZE)


FanoutBatch = LaneBatch | FarewellBatch


@dataclass(frozen=True)
class QueuedBatch:
    """A message, the message group (``{board id}#{key lanes}``) it goes to, and its place among the
    group's messages of the same kind."""

    group: str
    part: int
    batch: FanoutBatch


class MalformedFanoutBatchError(ValueError):
    """A fan-out queue message that is not a batch: nothing can be posted from it."""

    def __init__(self, message_id: str, error: ValidationError) -> None:
        super().__init__(
            f"Message {message_id} of the fan-out queue is not a fan-out batch ({error.error_count()} "
            "problem(s), first: "
            f"{error.errors()[0]['msg']}). SQS receives it again, then moves it to the dead-letter queue: "
            "look there for what sent it."
        )


class FanoutQueueError(RuntimeError):
    """The fan-out queue refused some batches, so their connections did not get the event yet."""

    def __init__(self, board_id: str, failed: Sequence[dict[str, Any]]) -> None:
        codes = sorted({str(entry.get("Code")) for entry in failed})
        super().__init__(
            f"{len(failed)} batch(es) of board {board_id} could not be queued ({', '.join(codes)}). The "
            "stream retries the record; the batches already queued are not queued again (deduplication)."
        )


def read_batch(body: str, message_id: str) -> FanoutBatch:
    """The batch a fan-out queue message holds, or MalformedFanoutBatchError."""
    try:
        return _batch_reader().validate_json(body)
    except ValidationError as error:
        raise MalformedFanoutBatchError(message_id, error) from error


@cache
def _batch_reader() -> TypeAdapter[FanoutBatch]:
    # Built on the first message, not at import, like the models' schemas.
    return TypeAdapter(Annotated[FanoutBatch, Field(discriminator="kind")])


def batches_of(
    board_id: str, frame: str, subscriber_ids: Sequence[str] | None, farewell_ids: Sequence[str] = ()
) -> list[QueuedBatch]:
    """The messages of one event: a LaneBatch per message lane that holds a subscriber, then the farewells.

    ``subscriber_ids`` are the board's subscribers if the broadcaster listed them all, or None for a board
    larger than :data:`LISTED_SUBSCRIBERS`: then every key lane is a message lane of its own.
    """
    if subscriber_ids is None:
        lanes = KEY_LANES
        occupied = message_lanes(lanes)
    else:
        lanes = _lane_count(len(subscriber_ids))
        occupied = sorted(
            {message_lane_of(key_lane(connection_id), lanes) for connection_id in subscriber_ids}
        )
    queued = [
        QueuedBatch(
            group=_group(board_id, range_),
            part=0,
            batch=LaneBatch(board_id=board_id, frame=frame, first_lane=range_.first, last_lane=range_.last),
        )
        for range_ in occupied
    ]
    by_lane: dict[LaneRange, list[str]] = {}
    for connection_id in farewell_ids:
        by_lane.setdefault(message_lane_of(key_lane(connection_id), lanes), []).append(connection_id)
    for range_, ids in sorted(by_lane.items()):
        for start in range(0, len(ids), BATCH_SIZE):
            batch = FarewellBatch(
                board_id=board_id, frame=frame, connection_ids=tuple(ids[start : start + BATCH_SIZE])
            )
            queued.append(QueuedBatch(group=_group(board_id, range_), part=start // BATCH_SIZE, batch=batch))
    return queued


def _group(board_id: str, lanes: LaneRange) -> str:
    return f"{board_id}#{lanes.labels}"


def _lane_count(subscribers: int) -> int:
    lanes = 1
    while lanes * BATCH_SIZE < subscribers and lanes < KEY_LANES:
        lanes *= 2
    return lanes


class FanoutQueue:
    """The fan-out queue named by ``FANOUT_QUEUE_URL``; the client is built on first use."""

    def __init__(self, queue_url: str | None = None, client: Any = None) -> None:
        self._queue_url = queue_url
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def queue_url(self) -> str:
        url = self._queue_url or settings.fanout_queue_url()
        if url is None:
            raise settings.MissingSettingError(ENV_FANOUT_QUEUE_URL)
        return url

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                # A private Session sidesteps boto3's default session, whose lazy creation is not thread-safe.
                self._client = boto3.session.Session().client("sqs")
            return self._client

    def send(self, event_id: str, batches: Sequence[QueuedBatch]) -> None:
        """Queue every batch of event ``event_id``, ten per request; FanoutQueueError if any is refused."""
        for start in range(0, len(batches), _MESSAGES_PER_REQUEST):
            chunk = batches[start : start + _MESSAGES_PER_REQUEST]
            response = self.client.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[_entry(str(index), event_id, queued) for index, queued in enumerate(chunk)],
            )
            if response.get("Failed"):
                raise FanoutQueueError(chunk[0].batch.board_id, response["Failed"])


def _entry(entry_id: str, event_id: str, queued: QueuedBatch) -> dict[str, str]:
    identity = f"{event_id}|{queued.group}|{queued.batch.kind}|{queued.part}".encode()
    return {
        "Id": entry_id,
        "MessageBody": queued.batch.model_dump_json(),
        "MessageGroupId": queued.group,
        "MessageDeduplicationId": hashlib.sha256(identity).hexdigest(),
    }
