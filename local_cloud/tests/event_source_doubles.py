"""Shared pieces of the event source tests (no tests here): a scriptable function invoker, a polling wait,
and builders for the hand-made deployments the tests run against the session's moto server."""

import copy
import json
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult
from cdk_local_cloud.events import EventSources

STACK = "Events"
T = TypeVar("T")

Responder = Callable[[str, Any], InvocationResult]
# conftest.start_sources: event sources started for a deployment of these resources (intervals as keywords).
StartSources = Callable[..., EventSources]


def succeed(_function: str, _event: Any) -> InvocationResult:
    return InvocationResult(payload=None)


def fail(_function: str, _event: Any) -> InvocationResult:
    return InvocationResult(error=FunctionError("RuntimeError", "the function failed on purpose"))


class FakeInvoker:
    """Stands in for the function host: records each invocation and answers with ``respond``."""

    def __init__(self, respond: Responder = succeed) -> None:
        self.respond = respond
        self._calls: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def invoke(self, function: str, event: Any) -> InvocationResult:
        # A copy, and a JSON round trip, as the event crosses a process boundary in the real host.
        event = json.loads(json.dumps(event))
        with self._lock:
            self._calls.append((function, copy.deepcopy(event)))
        return self.respond(function, event)

    def events(self, function: str | None = None) -> list[Any]:
        with self._lock:
            return [event for name, event in self._calls if function in (None, name)]


def wait_until(condition: Callable[[], T], what: str, deadline: float = 20.0) -> T:
    """Polls ``condition`` until it returns something truthy; the deadline only guards against a hang."""
    give_up_at = time.monotonic() + deadline
    while time.monotonic() < give_up_at:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"Gave up waiting for {what}.")


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:12]}"


def function_resource(name: str, **properties: Any) -> Resource:
    return Resource(
        stack=STACK,
        logical_id=name.replace("-", ""),
        type="AWS::Lambda::Function",
        properties=properties,
        physical_id=name,
        attributes={"Arn": function_arn(name)},
    )


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:{name}"


def resource(
    logical_id: str, resource_type: str, properties: Mapping[str, Any], physical_id: str = ""
) -> Resource:
    return Resource(STACK, logical_id, resource_type, properties, physical_id or logical_id)


def build_deployment(moto_endpoint: str, tmp_path: Path, *resources: Resource) -> Deployment:
    return Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url=moto_endpoint,
        cdk_out=tmp_path,
        resources=resources,
        outputs={},
        asset_paths={},
    )


class QueueReader:
    """An SQS queue on moto that a test reads destination records from."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.url = sqs.create_queue(QueueName=unique_name("events-test"))["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]
        self.arn: str = attributes["QueueArn"]
        self._received: list[dict[str, Any]] = []

    def wait_for_messages(self, count: int) -> list[dict[str, Any]]:
        """The first ``count`` messages (each a dict with ``Body`` parsed and ``MessageAttributes``)."""
        return wait_until(lambda: self._receive(count), f"{count} message(s) on {self.url}")

    def _receive(self, count: int) -> list[dict[str, Any]] | None:
        response = self._sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            self._received.append({**message, "Body": json.loads(message["Body"])})
            self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self._received[:count] if len(self._received) >= count else None

    def close(self) -> None:
        self._sqs.delete_queue(QueueUrl=self.url)
