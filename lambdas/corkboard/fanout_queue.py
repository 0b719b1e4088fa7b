"""Batches of a board event's recipients, queued for the sender functions: the sharded fan-out.

With ``FANOUT_QUEUE_URL`` set, the broadcaster does not post an event to every subscriber itself: it splits
the board's subscribers into batches of at most :data:`BATCH_SIZE` connections and sends each batch as one
message of the FIFO fan-out queue; sender functions (``streams.sender``) post the batches in parallel, so an
event's latency is that of one batch, whatever the size of the board.

The queue is FIFO so that a connection gets a board's events in the order of the stream. A connection always
lands in the same message group of its board, the lane ``crc32(connection id) mod lanes``, and SQS hands out
a group's messages one at a time, in order, while different groups go to different senders at once. ``lanes``
is the smallest power of two that leaves a lane one batch on average: a small board is one group, a board of
10,000 is 128. When a board crosses a power of two its connections move to other lanes, so an event queued
just before and one just after may reach a connection out of order, once.

Each message's deduplication id is derived from the stream record, the lane and the part: a record that the
stream retries after some of its batches were queued queues none of them twice (within SQS's five-minute
deduplication window, far longer than the stream's retries take).

Example:
    >>> queue = FanoutQueue()
    >>> queue.send("stream-event-id", batches_of("01J...", frame_text, subscriber_ids, farewell_ids))
"""

import hashlib
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corkboard import settings
from corkboard.table_design import ENV_FANOUT_QUEUE_URL

__all__ = [
    "BATCH_SIZE",
    "FanoutBatch",
    "FanoutQueue",
    "FanoutQueueError",
    "MalformedFanoutBatchError",
    "QueuedBatch",
    "batches_of",
    "read_batch",
]

# Connections per batch: one sender posts them in a few round trips (32 at a time), and 100 ids with the
# largest frame a WebSocket post takes (128 KB) stay well inside an SQS message (256 KB).
BATCH_SIZE = 100
# SendMessageBatch takes at most ten messages.
_MESSAGES_PER_REQUEST = 10


class FanoutBatch(BaseModel):
    """One message of the fan-out queue: an encoded frame and the connections to post it to."""

    # Built when the first batch is read or written, not at import (a cold start builds no schema).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    board_id: str = Field(min_length=1)
    # The event's frame as it goes over the socket (compact JSON text), encoded once by the broadcaster.
    frame: str = Field(min_length=2)
    connection_ids: tuple[str, ...] = Field(min_length=1, max_length=BATCH_SIZE)
    # The connections this event unsubscribed (member.removed, board.deleted): posted to once, as a
    # courtesy, without reading their subscriptions (there are none any more) or counting failures.
    farewell: bool = False


@dataclass(frozen=True)
class QueuedBatch:
    """A batch, the message group (``{board id}#{lane}``) it goes to, and its place among the group's."""

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
        return FanoutBatch.model_validate_json(body)
    except ValidationError as error:
        raise MalformedFanoutBatchError(message_id, error) from error


def batches_of(
    board_id: str, frame: str, subscriber_ids: Sequence[str], farewell_ids: Sequence[str] = ()
) -> list[QueuedBatch]:
    """The batches of one event: each lane's subscribers in parts of BATCH_SIZE, then its farewells."""
    lanes = _lane_count(len(subscriber_ids))
    queued: list[QueuedBatch] = []
    for ids, farewell in ((subscriber_ids, False), (farewell_ids, True)):
        by_lane: dict[int, list[str]] = {}
        for connection_id in ids:
            by_lane.setdefault(zlib.crc32(connection_id.encode()) % lanes, []).append(connection_id)
        for lane, lane_ids in sorted(by_lane.items()):
            for start in range(0, len(lane_ids), BATCH_SIZE):
                batch = FanoutBatch(
                    board_id=board_id,
                    frame=frame,
                    connection_ids=tuple(lane_ids[start : start + BATCH_SIZE]),
                    farewell=farewell,
                )
                queued.append(QueuedBatch(group=f"{board_id}#{lane}", part=start // BATCH_SIZE, batch=batch))
    return queued


def _lane_count(subscribers: int) -> int:
    lanes = 1
    while lanes * BATCH_SIZE < subscribers:
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
    kind = "farewell" if queued.batch.farewell else "subscribers"
    identity = f"{event_id}|{queued.group}|{kind}|{queued.part}".encode()
    return {
        "Id": entry_id,
        "MessageBody": queued.batch.model_dump_json(),
        "MessageGroupId": queued.group,
        "MessageDeduplicationId": hashlib.sha256(identity).hexdigest(),
    }
