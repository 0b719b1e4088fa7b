"""DynamoDB stream mappings against the session's moto server: a real table with a stream, a hand-built
mapping, and a fake function host that records batches and fails on demand."""

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel
from botocore.exceptions import ClientError
from event_source_doubles import (
    FakeInvoker,
    QueueReader,
    StartSources,
    build_deployment,
    fail,
    function_arn,
    function_resource,
    resource,
    unique_name,
    wait_until,
)
from fakes import REGION

from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.events import EventPatternError, EventSources

FUNCTION = "Events-Broadcaster"
MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"


@dataclass
class StreamTable:
    """A table on moto with a NEW_AND_OLD_IMAGES stream."""

    client: Any
    name: str
    stream_arn: str

    def put(self, sk: str, **attributes: Any) -> None:
        item = {"pk": {"S": "BOARD#1"}, "sk": {"S": sk}, **attributes}
        self.client.put_item(TableName=self.name, Item=item)


def sort_keys(event: dict[str, Any]) -> list[str]:
    return [record["dynamodb"]["Keys"]["sk"]["S"] for record in event["Records"]]


def batches(invoker: FakeInvoker) -> list[list[str]]:
    return [sort_keys(event) for event in invoker.events(FUNCTION)]


def delivered_keys(invoker: FakeInvoker) -> list[str]:
    return [key for batch in batches(invoker) for key in batch]


@pytest.fixture
def aws_clients(moto_endpoint: str) -> dict[str, Any]:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return {service: session.client(service, endpoint_url=moto_endpoint) for service in ("dynamodb", "sqs")}


@pytest.fixture
def table(aws_clients: dict[str, Any]) -> Iterator[StreamTable]:
    client = aws_clients["dynamodb"]
    name = unique_name("events-table")
    response = client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    yield StreamTable(client, name, response["TableDescription"]["LatestStreamArn"])
    client.delete_table(TableName=name)


@pytest.fixture
def failure_queue(aws_clients: dict[str, Any]) -> Iterator[QueueReader]:
    queue = QueueReader(aws_clients["sqs"])
    yield queue
    queue.close()


StartMapping = Callable[..., EventSources]


@pytest.fixture
def start_mapping(table: StreamTable, start_sources: StartSources) -> StartMapping:
    """Starts event sources for one mapping on ``table``; keyword arguments are its template properties
    (but the pollers' idle waits: ``poll_interval`` the first, ``idle_poll_interval`` the longest)."""

    def start(
        *, poll_interval: float = 0.05, idle_poll_interval: float = 0.2, **properties: Any
    ) -> EventSources:
        mapping = resource(
            "Mapping",
            MAPPING_TYPE,
            {"EventSourceArn": table.stream_arn, "FunctionName": FUNCTION, "StartingPosition": "LATEST"}
            | properties,
        )
        return start_sources(
            function_resource(FUNCTION),
            mapping,
            poll_interval=poll_interval,
            idle_poll_interval=idle_poll_interval,
        )

    return start


def test_records_reach_the_function_in_lambdas_dynamodb_event_format(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    start_mapping()
    table.put("TASK#1", title={"S": "draft"}, blob={"B": b"\x00\x01"})
    table.put("TASK#1", title={"S": "final"})
    table.client.delete_item(TableName=table.name, Key={"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#1"}})

    wait_until(lambda: len(delivered_keys(invoker)) == 3, "three stream records")
    records = [record for event in invoker.events(FUNCTION) for record in event["Records"]]

    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    assert insert["eventSource"] == "aws:dynamodb"
    assert insert["awsRegion"] == REGION
    assert insert["eventSourceARN"] == table.stream_arn
    assert insert["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert insert["dynamodb"]["Keys"] == {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#1"}}
    assert insert["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    assert "OldImage" not in insert["dynamodb"]
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], float)
    assert modify["dynamodb"]["OldImage"]["title"] == {"S": "draft"}
    assert modify["dynamodb"]["NewImage"]["title"] == {"S": "final"}
    assert remove["dynamodb"]["OldImage"]["title"] == {"S": "final"}
    assert int(insert["dynamodb"]["SequenceNumber"]) < int(remove["dynamodb"]["SequenceNumber"])
    for event in invoker.events(FUNCTION):
        DynamoDBStreamModel.model_validate(event)


def test_an_idle_poller_is_woken_by_a_write_instead_of_waiting_out_its_back_off(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    """The embedded AWS tells the stream's pollers of each new record: with idle waits of an hour, writes
    still reach the function, each while its poller waits (and closing still stops the poller at once)."""
    start_mapping(poll_interval=3600, idle_poll_interval=3600)
    table.put("TASK#1")
    wait_until(lambda: delivered_keys(invoker) == ["TASK#1"], "the record written while the poller waits")
    table.put("TASK#2")

    wait_until(lambda: "TASK#2" in delivered_keys(invoker), "the record written once it waits again")
    assert delivered_keys(invoker) == ["TASK#1", "TASK#2"]


def test_failed_writes_neither_stop_the_stream_nor_leave_records_of_their_own(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    start_mapping()
    table.put("TASK#1")
    wait_until(lambda: delivered_keys(invoker) == ["TASK#1"], "the first record")
    missing = {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#missing"}}
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        table.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#undone"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table.name,
                        "Key": missing,
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    with pytest.raises(ClientError, match="ConditionalCheckFailedException"):
        table.client.put_item(
            TableName=table.name,
            Item={"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#1"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    table.put("TASK#2")

    wait_until(lambda: "TASK#2" in delivered_keys(invoker), "the record written after the failed writes")
    assert delivered_keys(invoker) == ["TASK#1", "TASK#2"], "the rolled-back Put has no record"
    undone = {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#undone"}}
    assert "Item" not in table.client.get_item(TableName=table.name, Key=undone)


def test_batch_size_caps_each_batch(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    for number in range(5):
        table.put(f"TASK#{number}")

    start_mapping(StartingPosition="TRIM_HORIZON", BatchSize=2)

    wait_until(lambda: len(delivered_keys(invoker)) == 5, "five records")
    assert batches(invoker) == [["TASK#0", "TASK#1"], ["TASK#2", "TASK#3"], ["TASK#4"]]


def test_batching_window_gathers_records_written_one_by_one(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    start_mapping(BatchSize=10, MaximumBatchingWindowInSeconds=1)
    for number in range(3):
        table.put(f"TASK#{number}")

    wait_until(lambda: delivered_keys(invoker), "a batch")
    assert batches(invoker) == [["TASK#0", "TASK#1", "TASK#2"]]


def test_filter_criteria_drop_records_that_match_no_filter(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    pattern = '{"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "TASK#"}]}}}}'
    start_mapping(FilterCriteria={"Filters": [{"Pattern": pattern}]})
    for sort_key in ("TASK#1", "META", "MEMBER#alice", "TASK#2"):
        table.put(sort_key)

    wait_until(lambda: "TASK#2" in delivered_keys(invoker), "the last task")
    assert delivered_keys(invoker) == ["TASK#1", "TASK#2"]


def test_reported_item_failures_are_retried_from_the_first_failed_record(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    for number in range(4):
        table.put(f"TASK#{number}")
    answers = iter(["TASK#2", None])

    def report_failure_once(_function: str, event: Any) -> InvocationResult:
        failed = next(answers, None)
        sequence_numbers = {
            record["dynamodb"]["Keys"]["sk"]["S"]: record["dynamodb"]["SequenceNumber"]
            for record in event["Records"]
        }
        failures = [{"itemIdentifier": sequence_numbers[failed]}] if failed else []
        return InvocationResult(payload={"batchItemFailures": failures})

    invoker.respond = report_failure_once
    start_mapping(StartingPosition="TRIM_HORIZON", FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: len(batches(invoker)) == 2, "the retry")
    assert batches(invoker) == [["TASK#0", "TASK#1", "TASK#2", "TASK#3"], ["TASK#2", "TASK#3"]]


def test_without_report_batch_item_failures_a_partial_response_counts_as_success(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    invoker.respond = lambda _f, event: InvocationResult(
        payload={"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}
    )
    start_mapping()
    table.put("TASK#1")
    table.put("TASK#2")

    wait_until(lambda: "TASK#2" in delivered_keys(invoker), "the second record")
    assert delivered_keys(invoker) == ["TASK#1", "TASK#2"]


def test_bisect_on_error_isolates_the_bad_record(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker, failure_queue: QueueReader
) -> None:
    for number in range(4):
        table.put(f"TASK#{number}")
    invoker.respond = lambda function, event: (
        fail(function, event) if "TASK#2" in sort_keys(event) else InvocationResult(payload=None)
    )

    start_mapping(
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failure_queue.arn}},
    )

    wait_until(lambda: len(batches(invoker)) == 5, "the record after the bad one, alone")
    assert batches(invoker) == [
        ["TASK#0", "TASK#1", "TASK#2", "TASK#3"],
        ["TASK#0", "TASK#1"],
        ["TASK#2", "TASK#3"],
        ["TASK#2"],
        ["TASK#3"],
    ]
    (message,) = failure_queue.wait_for_messages(1)
    batch_info = message["Body"]["DDBStreamBatchInfo"]
    assert batch_info["batchSize"] == 1
    assert batch_info["startSequenceNumber"] == batch_info["endSequenceNumber"]


def test_a_batch_that_keeps_failing_goes_to_the_on_failure_queue_and_the_shard_moves_on(
    start_mapping: StartMapping,
    table: StreamTable,
    invoker: FakeInvoker,
    failure_queue: QueueReader,
    caplog: pytest.LogCaptureFixture,
) -> None:
    invoker.respond = fail
    start_mapping(MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": failure_queue.arn}})
    table.put("TASK#1")

    (message,) = failure_queue.wait_for_messages(1)
    body = message["Body"]

    assert batches(invoker) == [["TASK#1"]] * 3
    sequence_number = invoker.events(FUNCTION)[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    assert body["version"] == "1.0"
    assert body["timestamp"].endswith("Z")
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["requestContext"]["functionArn"] == function_arn(FUNCTION)
    assert body["requestContext"]["requestId"]
    assert body["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    batch_info = body["DDBStreamBatchInfo"]
    assert batch_info["streamArn"] == table.stream_arn
    assert batch_info["shardId"].startswith("shardId-")
    assert batch_info["batchSize"] == 1
    assert batch_info["startSequenceNumber"] == batch_info["endSequenceNumber"] == sequence_number
    assert batch_info["approximateArrivalOfFirstRecord"].endswith("Z")
    failure_lines = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and FUNCTION in r.getMessage()
    ]
    assert len(failure_lines) == 3

    invoker.respond = lambda _f, _e: InvocationResult(payload=None)
    table.put("TASK#2")
    wait_until(lambda: "TASK#2" in delivered_keys(invoker), "the next record")


def test_records_older_than_the_maximum_age_are_given_up(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker, failure_queue: QueueReader
) -> None:
    invoker.respond = fail
    start_mapping(
        MaximumRecordAgeInSeconds=1,
        MaximumRetryAttempts=-1,
        DestinationConfig={"OnFailure": {"Destination": failure_queue.arn}},
    )
    table.put("TASK#1")

    (message,) = failure_queue.wait_for_messages(1)
    assert message["Body"]["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["Body"]["requestContext"]["approximateInvokeCount"] >= 1


def test_close_stops_every_poller_even_while_a_retry_waits(
    start_mapping: StartMapping, table: StreamTable, invoker: FakeInvoker
) -> None:
    invoker.respond = fail
    threads_before = set(threading.enumerate())
    sources = start_mapping(MaximumRetryAttempts=-1)
    table.put("TASK#1")
    wait_until(lambda: len(batches(invoker)) >= 2, "a retry")

    closer = threading.Thread(target=sources.close)
    closer.start()
    closer.join(timeout=30)

    assert not closer.is_alive()
    started = set(threading.enumerate()) - threads_before
    assert not [thread.name for thread in started if thread.name.startswith("events ")]


def test_unsupported_sources_get_one_warning_line_each(
    moto_endpoint: str, tmp_path: Path, invoker: FakeInvoker, caplog: pytest.LogCaptureFixture
) -> None:
    sources_arns = {
        "FromKafka": f"arn:aws:kafka:{REGION}:123456789012:cluster/orders/0b5c",
        "FromKinesis": f"arn:aws:kinesis:{REGION}:123456789012:stream/clicks",
    }
    mappings = [
        resource(logical_id, MAPPING_TYPE, {"EventSourceArn": arn, "FunctionName": FUNCTION})
        for logical_id, arn in sources_arns.items()
    ]
    deployment = build_deployment(moto_endpoint, tmp_path, function_resource(FUNCTION), *mappings)

    with caplog.at_level(logging.WARNING), EventSources(deployment, invoker):
        warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]

    assert len(warnings) == 2
    assert "FromKafka" in warnings[0]
    assert "MSK cluster" in warnings[0]
    assert "Kinesis stream" in warnings[1]
    assert all("\n" not in warning for warning in warnings)


def test_a_filter_pattern_that_lambda_refuses_stops_the_start_with_the_mapping_named(
    moto_endpoint: str, tmp_path: Path, table: StreamTable, invoker: FakeInvoker
) -> None:
    mapping = resource(
        "BadFilter",
        MAPPING_TYPE,
        {
            "EventSourceArn": table.stream_arn,
            "FunctionName": FUNCTION,
            "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]},
        },
    )
    deployment = build_deployment(moto_endpoint, tmp_path, function_resource(FUNCTION), mapping)

    with pytest.raises(EventPatternError, match="Events/BadFilter"):
        EventSources(deployment, invoker)
