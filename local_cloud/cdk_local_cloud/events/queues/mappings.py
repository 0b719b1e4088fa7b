"""Polls the SQS queue of each queue event source mapping and delivers its messages as Lambda does.

Lambda reads a queue with several pollers at once (five, or ``MaximumConcurrency`` if lower); each receives
up to ``BatchSize`` messages (gathering them for up to ``MaximumBatchingWindowInSeconds``) and invokes the
function with them. What then happens to the batch follows Lambda:

- messages that match none of the mapping's filters are deleted without invoking the function;
- a successful invocation deletes every message, except, with ``ReportBatchItemFailures``, those named in its
  ``batchItemFailures`` (a report that names a message not in the batch fails the whole batch, as in Lambda);
- a failed invocation (an error, a timeout, a crash) deletes none.

A message left in the queue is received again when its visibility timeout is over, and SQS (moto) moves it
to the queue's dead-letter queue on the receive after the ``maxReceiveCount`` of its ``RedrivePolicy``. Lambda
leaves the visibility timeout as it is (minutes, for a function with a long timeout); locally a developer
wants the outcome in seconds, so a failed message is visible again after the local cloud's retry delay,
doubled per receive up to 32 times, and never later than the queue itself would make it. In a FIFO queue, SQS
hands a message group to one receive at a time, in order, so the function sees each group in order as in AWS.
An idle poller reads again as soon as a message is sent to its queue
(:mod:`cdk_local_cloud.embedded_aws.queue_message_notices`).
"""

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionInvoker, InvocationResult
from cdk_local_cloud.embedded_aws.queue_message_notices import stop_watching_queue, watch_queue
from cdk_local_cloud.events.delivery.batching_window import BatchingWindow
from cdk_local_cloud.events.delivery.guarded_invoke import invoke_guarded
from cdk_local_cloud.events.polling_thread import PollingPace, PollingThread, StepOutcome
from cdk_local_cloud.events.queues.mapping_config import QueueMappingConfig
from cdk_local_cloud.events.queues.records import filter_view, lambda_sqs_record

__all__ = ["QueueMapping"]

logger = logging.getLogger(__name__)

# ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch take at most ten messages.
_SQS_BATCH_LIMIT = 10
_MAX_BACKOFF_FACTOR = 32

_Record = Mapping[str, Any]


class _QueuePoller:
    """One of a mapping's pollers: receives, gathers a batch, invokes, and settles each message."""

    def __init__(
        self,
        config: QueueMappingConfig,
        invoker: FunctionInvoker,
        sqs: Any,
        queue_url: str,
        retry_delay: float,
    ) -> None:
        self._config = config
        self._invoker = invoker
        self._sqs = sqs
        self._queue_url = queue_url
        self._retry_delay = retry_delay
        self._visibility_timeout = self._queue_visibility_timeout()
        self._batch = BatchingWindow(batch_size=config.batch_size, window_seconds=config.batching_window)

    def step(self) -> StepOutcome:
        wanted = min(self._batch.room, _SQS_BATCH_LIMIT)
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=wanted,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        records = [lambda_sqs_record(message, self._config.queue_arn) for message in received]
        accepted = [record for record in records if self._config.record_filter.accepts(filter_view(record))]
        self._delete([record for record in records if record not in accepted])
        self._batch.add(accepted)
        if self._batch.ready():
            self._deliver()
            return StepOutcome.BUSY
        if received:
            return StepOutcome.BUSY
        return StepOutcome.WAITING if self._batch else StepOutcome.IDLE

    def _deliver(self) -> None:
        batch = self._batch.take()
        result = invoke_guarded(self._invoker, self._config.function.name, {"Records": batch})
        failed_ids, reason = self._failures(batch, result)
        self._delete([record for record in batch if record["messageId"] not in failed_ids])
        failed = [record for record in batch if record["messageId"] in failed_ids]
        if failed:
            self._retry_later(failed, reason)

    def _failures(self, batch: Sequence[_Record], result: InvocationResult) -> tuple[set[str], str]:
        everything = {record["messageId"] for record in batch}
        if result.error is not None:
            return everything, f"{result.error.error_type}: {result.error.message}"
        if not self._config.report_batch_item_failures or not isinstance(result.payload, Mapping):
            return set(), ""
        failures = result.payload.get("batchItemFailures") or []
        identifiers = {
            failure.get("itemIdentifier") if isinstance(failure, Mapping) else None for failure in failures
        }
        if not identifiers <= everything:
            # Lambda counts a report that names no message of the batch as a failure of the whole batch.
            return everything, f"invalid batchItemFailures {failures!r}"
        return {
            str(identifier) for identifier in identifiers
        }, f"it reported {len(identifiers)} failed item(s)"

    def _retry_later(self, failed: Sequence[_Record], reason: str) -> None:
        receives = max(int(record["attributes"].get("ApproximateReceiveCount", 1)) for record in failed)
        delay = min(
            self._retry_delay * min(2 ** (receives - 1), _MAX_BACKOFF_FACTOR), self._visibility_timeout
        )
        logger.warning(
            "%s: %d message(s) of %s failed (%s); received again in %.1fs (receive %d so far; a redrive "
            "policy moves a message to its dead-letter queue after its maxReceiveCount).",
            self._config.function.name,
            len(failed),
            self._config.label,
            reason,
            delay,
            receives,
        )
        for chunk in _chunks(failed):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(index),
                        "ReceiptHandle": record["receiptHandle"],
                        "VisibilityTimeout": int(delay),
                    }
                    for index, record in enumerate(chunk)
                ],
            )

    def _delete(self, records: Sequence[_Record]) -> None:
        for chunk in _chunks(records):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
                    for index, record in enumerate(chunk)
                ],
            )

    def _queue_visibility_timeout(self) -> float:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url, AttributeNames=["VisibilityTimeout"]
        )
        return float(attributes["Attributes"]["VisibilityTimeout"])


def _chunks(records: Sequence[_Record]) -> list[Sequence[_Record]]:
    return [records[start : start + _SQS_BATCH_LIMIT] for start in range(0, len(records), _SQS_BATCH_LIMIT)]


class QueueMapping:
    """One SQS mapping: its pollers, each a thread that a message sent to the queue wakes up."""

    def __init__(
        self,
        config: QueueMappingConfig,
        invoker: FunctionInvoker,
        sqs_client: Any,
        pace: PollingPace,
        retry_delay: float,
    ) -> None:
        self._config = config
        self._invoker = invoker
        self._sqs = sqs_client
        self._pace = pace
        self._retry_delay = retry_delay
        self._threads: list[PollingThread] = []
        self._wake_ups: list[threading.Event] = []

    def start(self) -> None:
        """Finds the queue (a ClientError if it does not exist) and starts the pollers."""
        queue_url = self._sqs.get_queue_url(QueueName=self._config.queue_name)["QueueUrl"]
        for number in range(self._config.pollers):
            poller = _QueuePoller(self._config, self._invoker, self._sqs, queue_url, self._retry_delay)
            wake_up = threading.Event()
            thread = PollingThread(
                f"events {self._config.function.name} {self._config.queue_name} #{number + 1}",
                poller.step,
                self._pace,
                threading.Event(),
                wake_up=wake_up,
            )
            watch_queue(self._config.queue_arn, wake_up)
            self._threads.append(thread)
            self._wake_ups.append(wake_up)
            thread.start()
        logger.info(
            "%s: delivering %s to %s (%d poller(s)).",
            self._config.label,
            self._config.queue_arn,
            self._config.function.name,
            len(self._threads),
        )

    def close(self) -> None:
        """Stops every poller, after the invocation it may be waiting for."""
        for thread, wake_up in zip(self._threads, self._wake_ups, strict=True):
            thread.stop()
            stop_watching_queue(self._config.queue_arn, wake_up)
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._wake_ups.clear()
