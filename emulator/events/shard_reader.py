"""Reads one DynamoDB stream shard in order, keeping its place across iterator expiry.

Notes on moto 5.2.5 (``moto/dynamodbstreams``): each table has a single shard that never closes and has no
parent; an iterator is a position in that shard's in-memory list, never expires, and every ``GetRecords`` call
stores a new one in the server for good. The reader still handles what real streams do: a shard that closes
(no ``NextShardIterator``) and an iterator that expired or points at trimmed data.
"""

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

__all__ = ["ShardReader"]

_EXPIRED = "ExpiredIteratorException"
_TRIMMED = "TrimmedDataAccessException"


class ShardReader:
    """Hands out a shard's records in sequence order; ``closed`` once a closed shard is fully read."""

    def __init__(self, streams_client: Any, stream_arn: str, shard_id: str, iterator_type: str) -> None:
        self._client = streams_client
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self._starting_type = iterator_type
        self._last_sequence_number: str | None = None
        self._iterator: str | None = self._get_iterator(iterator_type)
        self.closed = False

    def read(self, limit: int) -> list[Mapping[str, Any]]:
        if self._iterator is None:
            return []
        try:
            response = self._client.get_records(ShardIterator=self._iterator, Limit=limit)
        except ClientError as error:
            self._iterator = self._replacement_iterator(error.response.get("Error", {}).get("Code"), error)
            return []
        records: list[Mapping[str, Any]] = response.get("Records", [])
        if records:
            self._last_sequence_number = records[-1]["dynamodb"]["SequenceNumber"]
        self._iterator = response.get("NextShardIterator")
        self.closed = self._iterator is None
        return records

    def _replacement_iterator(self, code: str | None, error: ClientError) -> str:
        """Where to carry on after an iterator stopped working: after the last record read if it expired,
        at the oldest record still kept if the records it pointed at were trimmed."""
        if code == _TRIMMED:
            return self._get_iterator("TRIM_HORIZON")
        if code != _EXPIRED:
            raise error
        if self._last_sequence_number is None:
            return self._get_iterator(self._starting_type)
        return self._get_iterator("AFTER_SEQUENCE_NUMBER", self._last_sequence_number)

    def _get_iterator(self, iterator_type: str, sequence_number: str | None = None) -> str:
        position = {"SequenceNumber": sequence_number} if sequence_number else {}
        response = self._client.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard_id, ShardIteratorType=iterator_type, **position
        )
        return str(response["ShardIterator"])
