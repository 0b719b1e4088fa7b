"""Deliver a DynamoDB table's stream to a Lambda function in retried, bisected batches with a failure queue.

Example, keeping only the changes to tasks and memberships::

    StreamBroadcaster(
        self,
        "Broadcast",
        props=StreamBroadcasterProps(
            table=data.table,
            handler=broadcaster.function,
            filters=(
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY", "REMOVE"),
                        "dynamodb": {
                            "Keys": {
                                "sk": {
                                    "S": [
                                        *lambda_.FilterRule.begins_with("TASK#"),
                                        *lambda_.FilterRule.begins_with("MEMBER#"),
                                    ]
                                }
                            }
                        },
                    }
                ),
            ),
        ),
    )
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_event_sources import DynamoEventSource, SqsDlq
from constructs import Construct

from serverless_blocks.compliance import warn_weakened_default
from serverless_blocks.failure_queue import acknowledge_sender_key_grant, create_failure_queue
from serverless_blocks.grant_findings import acknowledge_grant_finding, wildcard_resource_rule
from serverless_blocks.sharded_fanout import ShardedFanout, ShardedFanoutProps

__all__ = ["MissingTableStreamError", "StreamBroadcaster", "StreamBroadcasterProps"]

# SQS's longest retention: the time an operator has to inspect and replay what the handler could not process.
_LIST_STREAMS_REASON: Final = (
    "The event source mapping needs dynamodb:ListStreams, which does not support resource-level "
    "permissions, so its only possible resource is '*'; reading records stays limited to this stream."
)


class MissingTableStreamError(ValueError):
    """Raised when the table has no stream to read from."""

    def __init__(self, table: dynamodb.ITable) -> None:
        super().__init__(
            f"Table {table.node.path} has no stream; create it with a stream view type (for example "
            "NEW_AND_OLD_IMAGES) or import it with table_stream_arn."
        )


@dataclass(frozen=True, kw_only=True)
class StreamBroadcasterProps:
    """The table and the handler; batching, retries, filtering and the failure queue have safe defaults."""

    table: dynamodb.ITable
    handler: lambda_.IFunction
    batch_size: int = 100
    max_batching_window: Duration = field(default_factory=lambda: Duration.seconds(1))
    starting_position: lambda_.StartingPosition = lambda_.StartingPosition.LATEST
    bisect_batch_on_error: bool = True
    retry_attempts: int = 3
    max_record_age: Duration = field(default_factory=lambda: Duration.hours(1))
    report_batch_item_failures: bool = True
    parallelization_factor: int = 1
    filters: Sequence[Mapping[str, Any]] = ()
    existing_failure_queue: sqs.IQueue | None = None
    # Encrypts the queues the construct creates; the handler's role must be allowed to use it.
    encryption_key: kms.IKey | None = None
    # With a sender, the handler queues batches of recipients for it (a ShardedFanout) instead of posting
    # to every recipient itself, so that an event's latency does not grow with its recipients.
    fanout: ShardedFanoutProps | None = None


class StreamBroadcaster(Construct):
    """Event source mapping from a table stream to a function, with failed batches sent to an SQS queue.

    A failing record is retried a few times in ever smaller batches (bisection), then its batch's
    description goes to the failure queue, so one bad record neither blocks its shard nor is lost. With
    ``fanout``, ``self.fanout`` is the queue of batches between the handler and a sender function.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: StreamBroadcasterProps) -> None:
        super().__init__(scope, construct_id)
        if props.table.table_stream_arn is None:
            raise MissingTableStreamError(props.table)
        self.failure_queue = props.existing_failure_queue or self._create_failure_queue(props)
        self.event_source = DynamoEventSource(
            props.table,
            starting_position=props.starting_position,
            batch_size=props.batch_size,
            max_batching_window=props.max_batching_window,
            bisect_batch_on_error=props.bisect_batch_on_error,
            retry_attempts=props.retry_attempts,
            max_record_age=props.max_record_age,
            report_batch_item_failures=props.report_batch_item_failures,
            parallelization_factor=props.parallelization_factor,
            filters=list(props.filters) or None,
            on_failure=SqsDlq(self.failure_queue),
        )
        props.handler.add_event_source(self.event_source)
        acknowledge_sender_key_grant(props.handler, self.failure_queue)
        self.event_source_mapping_id = self.event_source.event_source_mapping_id
        acknowledge_grant_finding(props.handler, wildcard_resource_rule(self, "*"), _LIST_STREAMS_REASON)
        self.fanout = (
            ShardedFanout(
                self,
                "Fanout",
                broadcaster=props.handler,
                props=props.fanout,
                encryption_key=props.encryption_key,
            )
            if props.fanout
            else None
        )
        if props.retry_attempts < 0:
            warn_weakened_default(
                self,
                "retry_attempts",
                "a record that always fails is retried until it is older than max_record_age, "
                "holding up every later record of its shard.",
            )

    def _create_failure_queue(self, props: StreamBroadcasterProps) -> sqs.Queue:
        return create_failure_queue(
            self,
            "FailureQueue",
            destination_of="the stream's event source mapping",
            encryption_key=props.encryption_key,
        )
