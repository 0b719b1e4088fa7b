"""Reads the fan-out queue on moto and hands its messages over as Lambda's SQS event source mapping does.

A FIFO queue with a dead-letter queue, as serverless_blocks' ShardedFanout creates it, is made on the test's
account and named in ``FANOUT_QUEUE_URL``. :meth:`QueueTap.lambda_event` receives up to ten messages and
shapes them as one invocation's ``Records`` (``messageId``, ``receiptHandle``, ``body``, ``attributes``
with ``MessageGroupId``...); :meth:`QueueTap.settle` deletes what the function did not report as failed, as
the mapping does, and lets the failed ones be received again at once, as if their visibility timeout had
passed. Imported by name from the tests (pytest puts this directory on ``sys.path``).

    tap = QueueTap.create(monkeypatch)
    broadcaster_handler(...)                       # queues batches
    event = tap.lambda_event()
    tap.settle(event, sender_handler(event, context))
"""

import json
from typing import Any, Self

import boto3
import pytest

from corkboard.services import store
from corkboard.table_design import ENV_FANOUT_QUEUE_URL

__all__ = ["QueueTap"]

QUEUE_NAME = "corkboard-test-fanout.fifo"
MAX_RECEIVE_COUNT = 3


class QueueTap:
    """The fan-out queue of the test's account, and Lambda's way of receiving from it."""

    def __init__(self, queue_url: str, dead_letter_url: str) -> None:
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url
        self._sqs = boto3.client("sqs")

    @classmethod
    def create(cls, monkeypatch: pytest.MonkeyPatch) -> Self:
        sqs = boto3.client("sqs")
        fifo = {"FifoQueue": "true"}
        dead_letters = sqs.create_queue(QueueName="corkboard-test-fanout-dlq.fifo", Attributes=fifo)[
            "QueueUrl"
        ]
        dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])
        redrive = {
            "deadLetterTargetArn": dead_letter_arn["Attributes"]["QueueArn"],
            "maxReceiveCount": str(MAX_RECEIVE_COUNT),
        }
        queue = sqs.create_queue(
            QueueName=QUEUE_NAME, Attributes={**fifo, "RedrivePolicy": json.dumps(redrive)}
        )["QueueUrl"]
        monkeypatch.setenv(ENV_FANOUT_QUEUE_URL, queue)
        store.fanout_queue.cache_clear()
        return cls(queue, dead_letters)

    def waiting(self) -> int:
        """How many messages the queue holds, whether or not they are being received."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(count) for count in attributes.values())

    def lambda_event(self, batch_size: int = 10) -> dict[str, Any]:
        """Up to ``batch_size`` waiting messages as one invocation's event, as the mapping delivers them."""
        messages = self._receive(self.queue_url, batch_size)
        return {"Records": [self._as_delivered(message) for message in messages]}

    def settle(self, event: dict[str, Any], response: dict[str, Any]) -> None:
        """Delete the records the function did not report as failed (ReportBatchItemFailures); the failed
        ones are visible again at once, as when the queue's visibility timeout has passed."""
        failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
        for record in event["Records"]:
            handle = record["receiptHandle"]
            if record["messageId"] in failed:
                self._sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            else:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)

    def dead_letters(self) -> list[str]:
        return [message["Body"] for message in self._receive(self.dead_letter_url)]

    def send_raw(self, body: str, group: str, deduplication_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageGroupId=group,
            MessageDeduplicationId=deduplication_id,
        )

    def _receive(self, queue_url: str, batch_size: int = 10) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=batch_size, MessageSystemAttributeNames=["All"]
        )
        return response.get("Messages", [])

    def _as_delivered(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{QUEUE_NAME}",
            "awsRegion": "us-east-1",
        }
