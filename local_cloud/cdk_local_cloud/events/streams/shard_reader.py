"""Reads one DynamoDB stream shard in order, keeping its place across iterator expiry and shard loss.

Notes on moto 5.2.5 (``moto/dynamodbstreams``): each table has a single shard that never closes and has no
parent; an iterator is a position in that shard's in-memory list, never expires, and every ``GetRecords`` call
stores a new one in the server for good. The reader still handles what real streams do: a shard that closes
(no ``NextShardIterator``) and an iterator that expired or points at trimmed data.

It also handles an iterator that silently stops seeing new records. moto ties an iterator to the shard
object it was made from, and any code that replaces a table object orphans that shard: the iterator
keeps answering, with nothing, forever. (moto's failed ``TransactWriteItems`` did exactly that; the
the local cloud now rolls those back in place, see
:mod:`cdk_local_cloud.embedded_aws.dynamodb_transactions`.) So a quiet reader
checks now and then whether a fresh iterator at its own position sees records its iterator does not. If
it does, the reader logs that it lost its shard and carries on from the fresh one, missing nothing.
"""

import logging
import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

__all__ = ["LOSS_CHECK_INTERVAL_SECONDS", "ShardReader"]

logger = logging.getLogger(__name__)

# How long a reader that finds nothing goes before comparing its iterator with a fresh one; each check
# costs two or three calls to the streams API, and a lost shard goes unnoticed for at most this long.
LOSS_CHECK_INTERVAL_SECONDS = 1.0

_EXPIRED = "ExpiredIteratorException"
_TRIMMED = "TrimmedDataAccessException"
# A fresh iterator from where a LATEST reader started cannot be had: it would start at the new end.
_POSITIONLESS_START = "LATEST"


class ShardReader:
    """Hands out a shard's records in sequence order; ``closed`` once a closed shard is fully read."""

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        shard_id: str,
        iterator_type: str,
        *,
        loss_check_interval: float = LOSS_CHECK_INTERVAL_SECONDS,
    ) -> None:
        self._client = streams_client
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self._starting_type = iterator_type
        self._loss_check_interval = loss_check_interval
        self._last_sequence_number: str | None = None
        self._checked_at = time.monotonic()
        self._iterator: str | None = self._get_iterator(iterator_type)
        self.closed = False

    def read(self, limit: int) -> list[Mapping[str, Any]]:
        if self._iterator is None:
            return []
        records = self._read_own(limit)
        if records or self.closed or not self._loss_check_due():
            return records
        return self._records_of_a_lost_shard(limit)

    def _read_own(self, limit: int) -> list[Mapping[str, Any]]:
        try:
            response = self._client.get_records(ShardIterator=self._iterator, Limit=limit)
        except ClientError as error:
            self._iterator = self._replacement_iterator(error.response.get("Error", {}).get("Code"), error)
            return []
        return self._take(response)

    def _take(self, response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        records: list[Mapping[str, Any]] = response.get("Records", [])
        if records:
            self._last_sequence_number = records[-1]["dynamodb"]["SequenceNumber"]
        self._iterator = response.get("NextShardIterator")
        self.closed = self._iterator is None
        return records

    def _loss_check_due(self) -> bool:
        if self._last_sequence_number is None and self._starting_type == _POSITIONLESS_START:
            return False
        now = time.monotonic()
        if now - self._checked_at < self._loss_check_interval:
            return False
        self._checked_at = now
        return True

    def _records_of_a_lost_shard(self, limit: int) -> list[Mapping[str, Any]]:
        """What a fresh iterator at this reader's position sees, if its own iterator cannot see it."""
        fresh = self._client.get_records(ShardIterator=self._iterator_at_position(), Limit=limit)
        if not fresh.get("Records"):
            return []
        # A record may simply have landed between the two reads: then the reader's own iterator has it too.
        records = self._read_own(limit)
        if records or self._iterator is None:
            return records
        logger.warning(
            "The reader of %s shard %s lost its shard: its iterator sees no new records while a fresh one "
            "does. It carries on from a fresh iterator after sequence number %s; no record is skipped.",
            self.stream_arn,
            self.shard_id,
            self._last_sequence_number or f"none ({self._starting_type})",
        )
        return self._take(fresh)

    def _replacement_iterator(self, code: str | None, error: ClientError) -> str:
        """Where to carry on after an iterator stopped working: after the last record read if it expired,
        at the oldest record still kept if the records it pointed at were trimmed."""
        if code == _TRIMMED:
            return self._get_iterator("TRIM_HORIZON")
        if code != _EXPIRED:
            raise error
        return self._iterator_at_position()

    def _iterator_at_position(self) -> str:
        """A new iterator just after the last record read (where the reader started, if none yet)."""
        if self._last_sequence_number is None:
            return self._get_iterator(self._starting_type)
        return self._get_iterator("AFTER_SEQUENCE_NUMBER", self._last_sequence_number)

    def _get_iterator(self, iterator_type: str, sequence_number: str | None = None) -> str:
        position = {"SequenceNumber": sequence_number} if sequence_number else {}
        response = self._client.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard_id, ShardIteratorType=iterator_type, **position
        )
        return str(response["ShardIterator"])
