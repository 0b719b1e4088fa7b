"""Reads an ``AWS::Lambda::EventSourceMapping`` on a DynamoDB stream, with Lambda's defaults filled in.

The template leaves most settings out when they keep their defaults (batch size 100, retry until the record
expires, no bisecting), so the defaults live here, in one place, as Lambda documents them.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.events.delivery.retry_policy import RetryPolicy
from cdk_local_cloud.events.event_filter import RecordFilter
from cdk_local_cloud.events.function_refs import FunctionRef, resolve_function

__all__ = ["MAPPING_TYPE", "StreamMappingConfig", "is_dynamodb_stream_arn"]

MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"
_DYNAMODB_STREAM_ARN = re.compile(r"^arn:[\w-]+:dynamodb:[\w-]+:\d+:table/[^/]+/stream/.+$")
_DEFAULT_BATCH_SIZE = 100
_REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


def is_dynamodb_stream_arn(arn: str) -> bool:
    return bool(_DYNAMODB_STREAM_ARN.match(arn))


def _no_limit_if_negative(value: Any) -> float | None:
    """Lambda spells "no limit" as -1 (and leaves it out of the template)."""
    return None if value is None or float(value) < 0 else float(value)


@dataclass(frozen=True)
class StreamMappingConfig:
    """One stream mapping's delivery settings; ``label`` names it in log lines as ``stack/logicalId``."""

    label: str
    stream_arn: str
    function: FunctionRef
    batch_size: int
    batching_window: float
    starting_position: str
    enabled: bool
    record_filter: RecordFilter
    report_batch_item_failures: bool
    bisect_on_error: bool
    retry: RetryPolicy
    max_record_age: float | None
    on_failure: str | None

    @classmethod
    def from_resource(
        cls, resource: Resource, deployment: Deployment, retry_delay: float
    ) -> "StreamMappingConfig":
        properties = resource.properties
        label = f"{resource.stack}/{resource.logical_id}"
        record_filter = RecordFilter.of_mapping(properties, label)
        on_failure: Mapping[str, Any] = (properties.get("DestinationConfig") or {}).get("OnFailure") or {}
        return cls(
            label=label,
            stream_arn=str(properties["EventSourceArn"]),
            function=resolve_function(deployment, str(properties["FunctionName"])),
            batch_size=int(properties.get("BatchSize", _DEFAULT_BATCH_SIZE)),
            batching_window=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
            starting_position=str(properties.get("StartingPosition", "LATEST")),
            enabled=_template_bool(properties.get("Enabled", True)),
            record_filter=record_filter,
            report_batch_item_failures=_REPORT_BATCH_ITEM_FAILURES
            in properties.get("FunctionResponseTypes", []),
            bisect_on_error=_template_bool(properties.get("BisectBatchOnFunctionError", False)),
            retry=RetryPolicy.from_template(int(properties.get("MaximumRetryAttempts", -1)), retry_delay),
            max_record_age=_no_limit_if_negative(properties.get("MaximumRecordAgeInSeconds")),
            on_failure=on_failure.get("Destination"),
        )


def _template_bool(value: Any) -> bool:
    """CloudFormation accepts ``true`` and ``"true"`` alike."""
    return value if isinstance(value, bool) else str(value).lower() == "true"
