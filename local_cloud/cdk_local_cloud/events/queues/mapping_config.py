"""Reads an ``AWS::Lambda::EventSourceMapping`` on an SQS queue, with Lambda's defaults filled in.

The template leaves settings out when they keep their defaults (batch size 10, no batching window, no
partial batch responses), so the defaults live here, as Lambda documents them for SQS.
"""

import re
from dataclasses import dataclass
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.events.event_filter import RecordFilter
from cdk_local_cloud.events.function_refs import FunctionRef, resolve_function

__all__ = ["QueueMappingConfig", "is_sqs_arn"]

_SQS_ARN = re.compile(r"^arn:[\w-]+:sqs:[\w-]+:\d+:[\w.-]+$")
_DEFAULT_BATCH_SIZE = 10
# Lambda starts five pollers on a queue; MaximumConcurrency (2 and up) caps the functions they invoke.
_DEFAULT_POLLERS = 5
_REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


def is_sqs_arn(arn: str) -> bool:
    return bool(_SQS_ARN.match(arn))


@dataclass(frozen=True)
class QueueMappingConfig:
    """One SQS mapping's delivery settings; ``label`` names it in log lines as ``stack/logicalId``."""

    label: str
    queue_arn: str
    function: FunctionRef
    batch_size: int
    batching_window: float
    enabled: bool
    record_filter: RecordFilter
    report_batch_item_failures: bool
    pollers: int

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[1]

    @classmethod
    def from_resource(cls, resource: Resource, deployment: Deployment) -> "QueueMappingConfig":
        properties = resource.properties
        label = f"{resource.stack}/{resource.logical_id}"
        record_filter = RecordFilter.of_mapping(properties, label)
        scaling = properties.get("ScalingConfig") or {}
        maximum_concurrency = scaling.get("MaximumConcurrency")
        return cls(
            label=label,
            queue_arn=str(properties["EventSourceArn"]),
            function=resolve_function(deployment, str(properties["FunctionName"])),
            batch_size=int(properties.get("BatchSize", _DEFAULT_BATCH_SIZE)),
            batching_window=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
            enabled=_template_bool(properties.get("Enabled", True)),
            record_filter=record_filter,
            report_batch_item_failures=_REPORT_BATCH_ITEM_FAILURES
            in properties.get("FunctionResponseTypes", []),
            pollers=min(_DEFAULT_POLLERS, int(maximum_concurrency))
            if maximum_concurrency
            else _DEFAULT_POLLERS,
        )


def _template_bool(value: Any) -> bool:
    """CloudFormation accepts ``true`` and ``"true"`` alike."""
    return value if isinstance(value, bool) else str(value).lower() == "true"
