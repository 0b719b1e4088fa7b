"""The main table's stream to the boards' WebSocket subscribers. Entry point: ``streams.broadcaster.handler``.

Each record becomes at most one event (:mod:`corkboard.events`), posted to every subscriber of its board
(:mod:`corkboard.services.broadcasts`), or, with ``FANOUT_QUEUE_URL`` set, queued in batches that the sender
functions post (:mod:`streams.sender`). A post that fails is that connection's affair and never fails the
record; a record fails when it cannot be read or when its board's subscribers cannot be. Powertools'
``BatchProcessor`` turns failed records into the ``batchItemFailures`` answer (the event source mapping
sets ReportBatchItemFailures): Lambda resumes the shard from the first failed record, retries, and at
last hands it to the on-failure queue, so nothing is dropped silently. A batch in which every record
failed raises instead, which lets Lambda bisect it.

Once a record has failed, the rest of the batch is failed without being posted: Lambda sends them again
anyway after the failed one, and posting them now would deliver them twice and out of order.
"""

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard.events import event_from_record
from corkboard.observability import logger, tracer
from corkboard.services import broadcasts

__all__ = ["EarlierRecordFailedError", "handler"]


class EarlierRecordFailedError(RuntimeError):
    """A record held back because one before it in the batch failed; Lambda resends both, in order."""

    def __init__(self, sequence_number: str | None) -> None:
        super().__init__(
            f"Record {sequence_number} was not posted because an earlier record of the batch failed. "
            "Nothing to do: Lambda retries from the earlier record and this one follows it."
        )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Post every record's event; report the records that must be retried."""
    # One processor per invocation: it holds the batch's outcomes, which the record handler consults.
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return process_partial_response(
        event=event,
        record_handler=partial(_broadcast, processor),
        processor=processor,
        context=context,
    )


def _broadcast(processor: BatchProcessor, record: DynamoDBRecord) -> None:
    if processor.fail_messages:
        raise EarlierRecordFailedError(record.dynamodb.sequence_number if record.dynamodb else None)
    event = event_from_record(record)
    if event is not None:
        broadcasts.publish(event, event_id=record.event_id)
