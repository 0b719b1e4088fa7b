"""SQS queue mappings against the session's moto server: real queues (standard and FIFO, with redrive
policies), a hand-built mapping, and a fake function host that records batches and fails on demand."""

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel
from event_source_doubles import (
    FakeInvoker,
    StartSources,
    fail,
    function_resource,
    resource,
    unique_name,
    wait_until,
)
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.events import EventSources

FUNCTION = "Events-Sender"
MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"
MAX_RECEIVE_COUNT = 2


class Queue:
    """A queue on moto with a dead-letter queue after ``MAX_RECEIVE_COUNT`` receives."""

    def __init__(self, sqs: Any, *, fifo: bool) -> None:
        self._sqs = sqs
        self.fifo = fifo
        suffix = ".fifo" if fifo else ""
        base = {"FifoQueue": "true"} if fifo else {}
        self.dead_letters = sqs.create_queue(QueueName=unique_name("dlq") + suffix, Attributes=base)[
            "QueueUrl"
        ]
        redrive = {
            "deadLetterTargetArn": self._arn(self.dead_letters),
            "maxReceiveCount": str(MAX_RECEIVE_COUNT),
        }
        self.url = sqs.create_queue(
            QueueName=unique_name("queue") + suffix,
            Attributes={**base, "VisibilityTimeout": "30", "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        self.arn = self._arn(self.url)

    def send(self, body: str, group: str = "g", **extra: Any) -> None:
        fifo = {"MessageGroupId": group, "MessageDeduplicationId": body} if self.fifo else {}
        self._sqs.send_message(QueueUrl=self.url, MessageBody=body, **fifo, **extra)

    def waiting(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(count) for count in attributes.values())

    def dead_letter_bodies(self) -> list[str]:
        messages = self._sqs.receive_message(QueueUrl=self.dead_letters, MaxNumberOfMessages=10)
        return sorted(message["Body"] for message in messages.get("Messages", []))

    def close(self) -> None:
        for url in (self.url, self.dead_letters):
            self._sqs.delete_queue(QueueUrl=url)

    def _arn(self, url: str) -> str:
        return self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]


def bodies(event: dict[str, Any]) -> list[str]:
    return [record["body"] for record in event["Records"]]


def batches(invoker: FakeInvoker) -> list[list[str]]:
    return [bodies(event) for event in invoker.events(FUNCTION)]


def delivered(invoker: FakeInvoker) -> list[str]:
    return [body for batch in batches(invoker) for body in batch]


def report(*failed_bodies: str) -> Callable[[str, Any], InvocationResult]:
    """A function that reports the messages with these bodies as failed, every time."""

    def respond(_function: str, event: Any) -> InvocationResult:
        failures = [
            {"itemIdentifier": record["messageId"]}
            for record in event["Records"]
            if record["body"] in failed_bodies
        ]
        return InvocationResult(payload={"batchItemFailures": failures})

    return respond


@pytest.fixture
def sqs(moto_endpoint: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return session.client("sqs", endpoint_url=moto_endpoint)


@pytest.fixture
def queue(sqs: Any) -> Iterator[Queue]:
    created = Queue(sqs, fifo=False)
    yield created
    created.close()


@pytest.fixture
def fifo_queue(sqs: Any) -> Iterator[Queue]:
    created = Queue(sqs, fifo=True)
    yield created
    created.close()


StartMapping = Callable[..., EventSources]


@pytest.fixture
def start_mapping(start_sources: StartSources) -> StartMapping:
    """Starts event sources for one mapping on ``source`` (a Queue); keyword arguments are its template
    properties, but ``poll_interval`` (how often an idle poller reads)."""

    def start(source: Queue, *, poll_interval: float = 0.05, **properties: Any) -> EventSources:
        mapping = resource(
            "Mapping", MAPPING_TYPE, {"EventSourceArn": source.arn, "FunctionName": FUNCTION} | properties
        )
        return start_sources(function_resource(FUNCTION), mapping, poll_interval=poll_interval)

    return start


def test_messages_reach_the_function_in_lambdas_sqs_event_format_and_leave_the_queue(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    start_mapping(queue)
    queue.send("first", MessageAttributes={"kind": {"DataType": "String", "StringValue": "task"}})
    queue.send("second")

    wait_until(lambda: sorted(delivered(invoker)) == ["first", "second"], "both messages")
    records = {record["body"]: record for event in invoker.events(FUNCTION) for record in event["Records"]}
    first = records["first"]
    assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == (
        "aws:sqs",
        queue.arn,
        REGION,
    )
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(first["attributes"])
    assert first["messageAttributes"] == {
        "kind": {"stringValue": "task", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    for event in invoker.events(FUNCTION):
        SqsModel.model_validate(event)
    wait_until(lambda: queue.waiting() == 0, "the delivered messages deleted")


def test_an_idle_poller_is_woken_by_a_message_instead_of_waiting_out_its_interval(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    """The embedded AWS tells a queue's pollers of each message: with idle waits of an hour, it arrives."""
    start_mapping(queue, poll_interval=3600)
    queue.send("first")
    wait_until(lambda: delivered(invoker) == ["first"], "the message sent while the pollers wait")
    queue.send("second")

    wait_until(lambda: delivered(invoker) == ["first", "second"], "the message sent once they wait again")


def test_batch_size_caps_each_batch(start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker) -> None:
    for number in range(5):
        queue.send(f"m{number}")

    start_mapping(queue, BatchSize=2, ScalingConfig={"MaximumConcurrency": 2})

    wait_until(lambda: len(delivered(invoker)) == 5, "five messages")
    assert sorted(delivered(invoker)) == [f"m{number}" for number in range(5)]
    assert max(len(batch) for batch in batches(invoker)) == 2


def test_only_reported_failures_come_back_and_after_max_receive_count_go_to_the_dead_letter_queue(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    invoker.respond = report("bad")
    queue.send("good")
    queue.send("bad")

    start_mapping(queue, FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: queue.dead_letter_bodies() == ["bad"], "the bad message in the dead-letter queue")
    assert delivered(invoker).count("good") == 1
    assert delivered(invoker).count("bad") == MAX_RECEIVE_COUNT
    assert queue.waiting() == 0


def test_a_failed_invocation_deletes_nothing_and_the_batch_comes_back(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[str] = []

    def fail_first(function: str, event: Any) -> InvocationResult:
        attempts.append(function)
        return fail(function, event) if len(attempts) == 1 else InvocationResult(payload=None)

    invoker.respond = fail_first
    queue.send("only")

    with caplog.at_level(logging.WARNING):
        start_mapping(queue)
        wait_until(lambda: delivered(invoker) == ["only", "only"], "the message again after the failure")

    wait_until(lambda: queue.waiting() == 0, "the message deleted after the success")
    assert "failed (RuntimeError: the function failed on purpose)" in caplog.text
    receives = [event["Records"][0]["attributes"]["ApproximateReceiveCount"] for event in invoker.events()]
    assert receives == ["1", "2"]


def test_a_report_that_names_no_message_of_the_batch_fails_the_whole_batch(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    invoker.respond = lambda _f, _e: InvocationResult(
        payload={"batchItemFailures": [{"itemIdentifier": "nope"}]}
    )
    queue.send("one")

    start_mapping(queue, FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: queue.dead_letter_bodies() == ["one"], "the message in the dead-letter queue")
    assert delivered(invoker) == ["one"] * MAX_RECEIVE_COUNT


def test_without_report_batch_item_failures_a_partial_response_counts_as_success(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    invoker.respond = report("one")
    queue.send("one")

    start_mapping(queue)

    wait_until(lambda: delivered(invoker) == ["one"], "the message")
    wait_until(lambda: queue.waiting() == 0, "the message deleted")


def test_filter_criteria_drop_messages_that_match_no_filter_from_the_queue(
    start_mapping: StartMapping, queue: Queue, invoker: FakeInvoker
) -> None:
    pattern = json.dumps({"body": {"kind": ["keep"]}})
    start_mapping(queue, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    for kind in ("keep", "drop", "keep"):
        queue.send(json.dumps({"kind": kind}))
    queue.send("not json")

    wait_until(lambda: len(delivered(invoker)) == 2, "the two kept messages")
    wait_until(lambda: queue.waiting() == 0, "the dropped messages deleted too")
    assert delivered(invoker) == [json.dumps({"kind": "keep"})] * 2


def test_a_fifo_queue_delivers_each_group_in_order_and_a_failure_holds_back_its_group_only(
    start_mapping: StartMapping, fifo_queue: Queue, invoker: FakeInvoker
) -> None:
    answers: dict[str, int] = {}

    def fail_a1_once(_function: str, event: Any) -> InvocationResult:
        failures = []
        for record in event["Records"]:
            body = record["body"]
            answers[body] = answers.get(body, 0) + 1
            if body == "a1" and answers[body] == 1:
                failures.append({"itemIdentifier": record["messageId"]})
        return InvocationResult(payload={"batchItemFailures": failures})

    invoker.respond = fail_a1_once
    for body, group in (("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b")):
        fifo_queue.send(body, group=group)

    start_mapping(fifo_queue, BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: fifo_queue.waiting() == 0, "every message delivered")
    order = delivered(invoker)
    assert [body for body in order if body.startswith("a")] == ["a1", "a1", "a2"]
    assert [body for body in order if body.startswith("b")] == ["b1", "b2"]
    assert order.index("b1") < order.index("a2"), "group b was not held back by group a's failure"


def test_a_mapping_on_a_queue_that_does_not_exist_is_reported_and_skipped(
    start_mapping: StartMapping, invoker: FakeInvoker, caplog: pytest.LogCaptureFixture, sqs: Any
) -> None:
    class Missing:
        arn = f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:{unique_name('missing')}"

    with caplog.at_level(logging.WARNING):
        start_mapping(Missing())

    assert f"cannot read {Missing.arn}" in caplog.text
    assert invoker.events() == []
