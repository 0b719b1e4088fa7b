"""Queued batches of a board event to their subscribers' sockets. Entry point: ``streams.sender.handler``.

The broadcaster queues each event on the FIFO fan-out queue as batches that each name a range of the
board's key lanes (:mod:`corkboard.fanout_queue`), plus the farewells by id; Lambda hands this function up to
ten batches at a time, and :func:`corkboard.services.deliveries.deliver` posts each: it reads who subscribes
in those lanes now (one consistent Query of a key range) and posts to them. As in the broadcaster, a post
that fails is that connection's affair (a 410 forgets the connection); a batch fails only when it is not a
batch, or when its lanes' subscribers cannot be read.

Failed batches are answered in ``batchItemFailures`` (the mapping sets ReportBatchItemFailures) through
Powertools' ``SqsFifoPartialProcessor``: with ``skip_group_on_error``, a failed batch fails the later batches
of its message group in this invocation too, without posting them, so a connection's events keep their
order, while the other groups go on. SQS gives the failed batches back after the queue's visibility timeout
and moves a batch to the dead-letter queue at its ``maxReceiveCount``-th receive.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard.fanout_queue import read_batch
from corkboard.observability import logger, tracer
from corkboard.services import deliveries

__all__ = ["handler"]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Post every batch; report the ones that must be received again."""
    # One processor per invocation: it holds the invocation's failed message groups.
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    return process_partial_response(event=event, record_handler=_send, processor=processor, context=context)


def _send(record: SQSRecord) -> None:
    deliveries.deliver(read_batch(record.body, record.message_id))
