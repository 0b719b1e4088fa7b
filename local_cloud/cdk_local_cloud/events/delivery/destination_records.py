"""The JSON documents that Lambda sends to an on-failure (or on-success) destination.

Code that drains a failure queue parses these documents, so locally they carry the same fields, in the same
shape, as the records Lambda writes for stream batches and for asynchronous invocations.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult

__all__ = [
    "AsyncOutcome",
    "StreamBatchFailure",
    "async_invocation_record",
    "stream_failure_record",
]

RECORD_VERSION = "1.0"
EXECUTED_VERSION = "$LATEST"
# Lambda reports every error of a Python handler (exception, crash, timeout) as unhandled.
_FUNCTION_ERROR_KIND = "Unhandled"


def _iso_timestamp(moment: datetime) -> str:
    """Lambda's timestamp form: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _error_payload(error: FunctionError) -> dict[str, str]:
    """What Lambda returns as the response payload of a failed invocation."""
    return {"errorMessage": error.message, "errorType": error.error_type}


def _response_context(result: InvocationResult) -> dict[str, Any]:
    context: dict[str, Any] = {"statusCode": 200, "executedVersion": EXECUTED_VERSION}
    if result.error is not None:
        context["functionError"] = _FUNCTION_ERROR_KIND
    return context


def _request_context(request_id: str, function_arn: str, condition: str, invoke_count: int) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "functionArn": function_arn,
        "condition": condition,
        "approximateInvokeCount": invoke_count,
    }


@dataclass(frozen=True)
class StreamBatchFailure:
    """Stream records that Lambda gave up on, and why (``RetryAttemptsExhausted``, ``RecordAgeExceeded``)."""

    condition: str
    records: Sequence[Mapping[str, Any]]
    shard_id: str
    stream_arn: str
    invoke_count: int
    request_id: str
    last_result: InvocationResult | None


def _arrival(record: Mapping[str, Any]) -> str:
    return _iso_timestamp(datetime.fromtimestamp(record["dynamodb"]["ApproximateCreationDateTime"], UTC))


def stream_failure_record(failure: StreamBatchFailure, function_arn: str, now: datetime) -> dict[str, Any]:
    """The on-failure record of a DynamoDB stream mapping: metadata about the records, not the records."""
    first, last = failure.records[0], failure.records[-1]
    document: dict[str, Any] = {
        "requestContext": _request_context(
            failure.request_id, function_arn, failure.condition, failure.invoke_count
        ),
        "version": RECORD_VERSION,
        "timestamp": _iso_timestamp(now),
        "DDBStreamBatchInfo": {
            "shardId": failure.shard_id,
            "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _arrival(first),
            "approximateArrivalOfLastRecord": _arrival(last),
            "batchSize": len(failure.records),
            "streamArn": failure.stream_arn,
        },
    }
    if failure.last_result is not None:
        document["responseContext"] = _response_context(failure.last_result)
    return document


@dataclass(frozen=True)
class AsyncOutcome:
    """How an asynchronous invocation ended: ``Success``, ``RetriesExhausted`` or ``EventAgeExceeded``."""

    condition: str
    event: Any
    invoke_count: int
    request_id: str
    last_result: InvocationResult | None


def async_invocation_record(outcome: AsyncOutcome, function_arn: str, now: datetime) -> dict[str, Any]:
    """The destination record of an asynchronous invocation, which carries the event itself."""
    document: dict[str, Any] = {
        "version": RECORD_VERSION,
        "timestamp": _iso_timestamp(now),
        "requestContext": _request_context(
            outcome.request_id, f"{function_arn}:{EXECUTED_VERSION}", outcome.condition, outcome.invoke_count
        ),
        "requestPayload": outcome.event,
    }
    result = outcome.last_result
    if result is not None:
        document["responseContext"] = _response_context(result)
        document["responsePayload"] = result.payload if result.error is None else _error_payload(result.error)
    return document
