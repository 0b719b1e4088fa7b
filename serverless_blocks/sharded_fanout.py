"""A FIFO queue of batches between a broadcaster and the sender function that posts each batch.

One function posting to every recipient of an event takes time in proportion to the recipients; with
this queue the broadcaster only splits the recipients into batches, and the senders post the batches in
parallel, so an event's latency stays that of one batch. What a batch holds is the application's
contract between its broadcaster and its sender; this construct provides the transport:

* a FIFO queue (``MessageGroupId`` per batch lane) in high-throughput mode, encrypted and TLS-only: a
  broadcaster that puts a recipient in the same message group for every event gets that recipient's
  events in order, and an explicit ``MessageDeduplicationId`` makes a retried broadcast send nothing twice;
* an event source mapping from the queue to the sender with ``ReportBatchItemFailures``: only the batches
  the sender reports failed are received again, after the visibility timeout;
* a FIFO dead-letter queue that takes a batch after ``max_receive_count`` receives, kept 14 days;
* the grants: the broadcaster may send to the queue, the sender may consume it, nothing more.

Example::

    StreamBroadcasterProps(table=..., handler=broadcaster.invocable,
                           fanout=ShardedFanoutProps(sender=sender.invocable))
"""

from dataclasses import dataclass, field
from typing import Final

from aws_cdk import Duration, Names
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, skip_check
from serverless_blocks.failure_queue import acknowledge_sender_key_grant, create_failure_queue

__all__ = [
    "MAX_FIFO_BATCH_SIZE",
    "InvalidFanoutBatchSizeError",
    "ShardedFanout",
    "ShardedFanoutProps",
    "VisibilityTimeoutTooShortError",
]

# Lambda reads at most ten messages at once from a FIFO queue.
MAX_FIFO_BATCH_SIZE: Final = 10
_SQS_MANAGED_ENCRYPTION_REASON: Final = (
    "No encryption_key was given, by configuration: the queue is encrypted at rest with SQS-managed keys "
    "(SqsManagedSseEnabled), which checkov does not recognise; it only looks for KmsMasterKeyId. Passing "
    "encryption_key encrypts it with a customer-managed KMS key instead."
)
_NO_MAPPING_DESTINATION_REASON: Final = (
    "Lambda offers on-failure destinations only for stream and Kafka event sources, not for SQS: a batch "
    "that keeps failing leaves through the queue's own redrive policy, to the dead-letter queue, after "
    "max_receive_count receives."
)


class InvalidFanoutBatchSizeError(ValueError):
    """Raised when the sender would be given more messages at once than a FIFO queue allows."""

    def __init__(self, batch_size: int) -> None:
        super().__init__(
            f"batch_size {batch_size} is not possible for a FIFO queue; pass 1 to {MAX_FIFO_BATCH_SIZE}."
        )


class VisibilityTimeoutTooShortError(ValueError):
    """Raised when a batch could become visible again while the sender still works on it."""

    def __init__(self, visibility_timeout: Duration, function_timeout: Duration) -> None:
        super().__init__(
            f"visibility_timeout ({visibility_timeout.to_seconds()} s) is shorter than the sender's timeout "
            f"({function_timeout.to_seconds()} s): a batch would be received again while it is being sent, "
            "and Lambda refuses such a mapping. AWS advises six times the function's timeout."
        )


@dataclass(frozen=True, kw_only=True)
class ShardedFanoutProps:
    """The sender and how it takes batches; the queues and the retries have safe defaults."""

    sender: lambda_.IFunction
    # Batches per sender invocation. One: a sender posts its batches one after another, so each batch in an
    # invocation of its own is what sends them all at once; and a batch that keeps failing then takes no
    # later batch of its message group with it to the dead-letter queue (those would fail with it, so as
    # to keep the group's order, and use up their receives too).
    batch_size: int = 1
    # Receives before a batch goes to the dead-letter queue: a few retries for passing trouble, then a look.
    max_receive_count: int = 3
    # AWS advises six times the sender's timeout, so a throttled retry cannot overlap a running one.
    visibility_timeout: Duration = field(default_factory=lambda: Duration.minutes(6))
    # Senders running at once for this queue (2 to 1,000); None lets Lambda scale with the message groups.
    max_concurrency: int | None = None
    existing_dead_letter_queue: sqs.IQueue | None = None


class ShardedFanout(Construct):
    """The batch queue, its dead-letter queue and the sender's event source mapping, with their grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        broadcaster: lambda_.IFunction,
        props: ShardedFanoutProps,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        _validate(props)
        self.dead_letter_queue = props.existing_dead_letter_queue or create_failure_queue(
            self,
            "DeadLetterQueue",
            destination_of="the fan-out queue (its redrive policy)",
            encryption_key=encryption_key,
            fifo=True,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            fifo=True,
            fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
            encryption=sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            visibility_timeout=props.visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=props.max_receive_count
            ),
        )
        if encryption_key is None:
            skip_check(self.queue, "CKV_AWS_27", _SQS_MANAGED_ENCRYPTION_REASON)
        self.queue.grant_send_messages(broadcaster)
        acknowledge_sender_key_grant(broadcaster, self.queue)
        self.event_source = SqsEventSource(
            self.queue,
            batch_size=props.batch_size,
            report_batch_item_failures=True,
            max_concurrency=props.max_concurrency,
        )
        props.sender.add_event_source(self.event_source)
        self.event_source_mapping_id = self.event_source.event_source_mapping_id
        self._acknowledge_mapping_without_destination(props.sender)

    def _acknowledge_mapping_without_destination(self, sender: lambda_.IFunction) -> None:
        # SqsEventSource adds its mapping to the function under this id (aws-lambda-event-sources/sqs.ts).
        mapping = sender.node.find_child(f"SqsEventSource:{Names.node_unique_id(self.queue.node)}")
        acknowledge_rule(
            mapping, "Serverless-LambdaEventSourceMappingDestination", _NO_MAPPING_DESTINATION_REASON
        )


def _validate(props: ShardedFanoutProps) -> None:
    if not 1 <= props.batch_size <= MAX_FIFO_BATCH_SIZE:
        raise InvalidFanoutBatchSizeError(props.batch_size)
    function_timeout = _timeout_of(props.sender)
    if function_timeout is not None and props.visibility_timeout.to_seconds() < function_timeout.to_seconds():
        raise VisibilityTimeoutTooShortError(props.visibility_timeout, function_timeout)


def _timeout_of(sender: lambda_.IFunction) -> Duration | None:
    """The sender's timeout when it is known here: a function of this app, or an alias of one."""
    function = sender.version.lambda_ if isinstance(sender, lambda_.Alias) else sender
    return function.timeout if isinstance(function, lambda_.Function) else None
