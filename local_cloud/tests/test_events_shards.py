"""Shard lineage and iterator recovery, which moto cannot show (its tables have one shard that never closes
and iterators that never expire), against a small in-memory DynamoDB Streams client."""

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from event_source_doubles import (
    FakeInvoker,
    build_deployment,
    function_resource,
    resource,
    wait_until,
)
from fakes import records_of

from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.events.delivery.destinations import DestinationSender
from cdk_local_cloud.events.polling_thread import PollingPace
from cdk_local_cloud.events.streams.mapping_config import StreamMappingConfig
from cdk_local_cloud.events.streams.mappings import StreamMapping
from cdk_local_cloud.events.streams.shard_reader import ShardReader

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"
FUNCTION = "Events-Lineage"


def stream_record(sequence_number: int) -> dict[str, Any]:
    return {
        "eventID": str(sequence_number),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime.now(UTC),
            "Keys": {"pk": {"S": f"item-{sequence_number}"}},
            "SequenceNumber": str(sequence_number),
            "SizeBytes": 10,
            "StreamViewType": "KEYS_ONLY",
        },
    }


class FakeStreams:
    """Shards with fixed records; a shard listed in ``closed`` ends its iterator chain once read."""

    def __init__(self, shards: dict[str, list[int]], parents: dict[str, str], closed: set[str]) -> None:
        self._records = {
            shard_id: [stream_record(n) for n in numbers] for shard_id, numbers in shards.items()
        }
        self._parents = parents
        self._closed = closed
        # Iterators made before a shard was replaced keep reading its old records, as moto's do.
        self._generations = dict.fromkeys(shards, 0)
        self._orphans: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.expire_next_read = False
        self.on_get_shard_iterator: Callable[[], None] = lambda: None
        self.iterator_requests: list[tuple[str, str, str | None]] = []

    def append(self, shard_id: str, sequence_number: int) -> None:
        """A new record at the end of the shard, seen by every iterator of the current shard."""
        self._records[shard_id].append(stream_record(sequence_number))

    def replace(self, shard_id: str) -> None:
        """The shard's records move to a new shard object; iterators made before see no record added later."""
        generation = self._generations[shard_id]
        self._orphans[(shard_id, generation)] = self._records[shard_id]
        self._records[shard_id] = list(self._records[shard_id])
        self._generations[shard_id] = generation + 1

    def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        shards = []
        for shard_id, records in self._records.items():
            sequence_range = {"StartingSequenceNumber": records[0]["dynamodb"]["SequenceNumber"]}
            if shard_id in self._closed:
                sequence_range["EndingSequenceNumber"] = records[-1]["dynamodb"]["SequenceNumber"]
            shard = {"ShardId": shard_id, "SequenceNumberRange": sequence_range}
            if shard_id in self._parents:
                shard["ParentShardId"] = self._parents[shard_id]
            shards.append(shard)
        return {"StreamDescription": {"StreamArn": StreamArn, "Shards": shards}}

    def get_shard_iterator(
        self,
        StreamArn: str,  # noqa: N803
        ShardId: str,  # noqa: N803
        ShardIteratorType: str,  # noqa: N803
        SequenceNumber: str | None = None,  # noqa: N803
    ) -> dict[str, str]:
        self.iterator_requests.append((ShardId, ShardIteratorType, SequenceNumber))
        self.on_get_shard_iterator()
        numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in self._records[ShardId]]
        if ShardIteratorType == "AFTER_SEQUENCE_NUMBER":
            position = numbers.index(int(SequenceNumber or "")) + 1
        else:
            position = 0 if ShardIteratorType == "TRIM_HORIZON" else len(numbers)
        return {"ShardIterator": f"{ShardId}|{position}|{self._generations[ShardId]}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803
        if self.expire_next_read:
            self.expire_next_read = False
            raise ClientError(
                {"Error": {"Code": "ExpiredIteratorException", "Message": "expired"}}, "GetRecords"
            )
        shard_id, position_text, generation_text = ShardIterator.split("|")
        position, generation = int(position_text), int(generation_text)
        shard = self._orphans.get((shard_id, generation), self._records[shard_id])
        records = shard[position : position + Limit]
        end = position + len(records)
        finished = shard_id in self._closed and end >= len(shard)
        return {
            "Records": records,
            "NextShardIterator": None if finished else f"{shard_id}|{end}|{generation}",
        }


def start_mapping(
    streams: FakeStreams, invoker: FakeInvoker, tmp_path: Path, starting_position: str
) -> StreamMapping:
    properties = {
        "EventSourceArn": STREAM_ARN,
        "FunctionName": FUNCTION,
        "StartingPosition": starting_position,
    }
    deployment = build_deployment(
        "http://127.0.0.1:1",
        tmp_path,
        function_resource(FUNCTION),
        resource("Mapping", "AWS::Lambda::EventSourceMapping", properties),
    )
    config = StreamMappingConfig.from_resource(
        next(iter(deployment.of_type("AWS::Lambda::EventSourceMapping"))), deployment, 0.01
    )
    sender = DestinationSender(MotoClients(deployment.aws_endpoint_url, deployment.region))
    mapping = StreamMapping(config, invoker, sender, streams, PollingPace(0.01))
    mapping.start()
    return mapping


@pytest.fixture
def lineage() -> FakeStreams:
    """A closed parent shard (records 1-3) split into two children (4-5 and 6)."""
    return FakeStreams(
        shards={"parent": [1, 2, 3], "child-a": [4, 5], "child-b": [6]},
        parents={"child-a": "parent", "child-b": "parent"},
        closed={"parent"},
    )


def delivered(invoker: FakeInvoker) -> list[int]:
    return [
        int(record["dynamodb"]["SequenceNumber"]) for event in invoker.events() for record in event["Records"]
    ]


@pytest.fixture
def closing() -> Iterator[list[StreamMapping]]:
    mappings: list[StreamMapping] = []
    yield mappings
    for mapping in mappings:
        mapping.close()


def test_trim_horizon_reads_the_parent_shard_before_its_children(
    lineage: FakeStreams, invoker: FakeInvoker, tmp_path: Path, closing: list[StreamMapping]
) -> None:
    closing.append(start_mapping(lineage, invoker, tmp_path, "TRIM_HORIZON"))

    wait_until(lambda: len(delivered(invoker)) == 6, "every record of the three shards")
    order = delivered(invoker)
    assert order[:3] == [1, 2, 3]
    assert sorted(order[3:]) == [4, 5, 6]
    assert order.index(4) < order.index(5)


def test_latest_starts_at_the_open_shards_only(
    lineage: FakeStreams, invoker: FakeInvoker, tmp_path: Path, closing: list[StreamMapping]
) -> None:
    closing.append(start_mapping(lineage, invoker, tmp_path, "LATEST"))

    started = {shard_id for shard_id, _, _ in lineage.iterator_requests}
    assert started == {"child-a", "child-b"}
    assert {kind for _, kind, _ in lineage.iterator_requests} == {"LATEST"}


def test_an_expired_iterator_resumes_after_the_last_record_read() -> None:
    streams = FakeStreams(shards={"only": [1, 2, 3, 4]}, parents={}, closed=set())
    reader = ShardReader(streams, STREAM_ARN, "only", "TRIM_HORIZON")
    first = reader.read(2)

    streams.expire_next_read = True
    assert reader.read(2) == []
    rest = reader.read(10)

    assert [record["dynamodb"]["SequenceNumber"] for record in first + rest] == ["1", "2", "3", "4"]
    assert streams.iterator_requests[-1] == ("only", "AFTER_SEQUENCE_NUMBER", "2")


def sequence_numbers(records: list[Any]) -> list[str]:
    return [record["dynamodb"]["SequenceNumber"] for record in records]


def test_a_reader_that_lost_its_shard_says_so_and_carries_on_after_its_last_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streams = FakeStreams(shards={"only": [1, 2]}, parents={}, closed=set())
    reader = ShardReader(streams, STREAM_ARN, "only", "TRIM_HORIZON", loss_check_interval=0)
    first = reader.read(10)
    streams.replace("only")
    streams.append("only", 3)
    streams.append("only", 4)

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.events.streams.shard_reader"):
        recovered = reader.read(10)
    streams.append("only", 5)
    later = reader.read(10)

    assert sequence_numbers(first + recovered + later) == ["1", "2", "3", "4", "5"]
    [warning] = records_of(caplog, "cdk_local_cloud.events.streams.shard_reader")
    assert "lost its shard" in warning.getMessage()
    assert "after sequence number 2" in warning.getMessage()


def test_a_record_that_lands_between_two_reads_is_no_lost_shard(caplog: pytest.LogCaptureFixture) -> None:
    streams = FakeStreams(shards={"only": [1]}, parents={}, closed=set())
    reader = ShardReader(streams, STREAM_ARN, "only", "TRIM_HORIZON", loss_check_interval=0)
    reader.read(10)
    streams.on_get_shard_iterator = lambda: streams.append("only", 2)

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.events.streams.shard_reader"):
        records = reader.read(10)

    assert sequence_numbers(records) == ["2"]
    assert records_of(caplog, "cdk_local_cloud.events.streams.shard_reader") == []


def test_a_quiet_reader_checks_its_shard_only_once_per_interval() -> None:
    streams = FakeStreams(shards={"only": [1]}, parents={}, closed=set())
    reader = ShardReader(streams, STREAM_ARN, "only", "TRIM_HORIZON", loss_check_interval=60)
    reader.read(10)
    requests_before = len(streams.iterator_requests)

    for _ in range(5):
        assert reader.read(10) == []

    assert len(streams.iterator_requests) == requests_before
