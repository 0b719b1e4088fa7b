"""Sends destination records and dead letters to the queues and topics that the template names.

Only SQS and SNS targets are delivered; the others (a Lambda function, an event bus, an S3 bucket) are
reported once at start by ``EventSources`` and then logged instead of sent.
"""

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cdk_local_cloud.embedded_aws.moto_clients import MotoClients

__all__ = ["DestinationSender"]

logger = logging.getLogger(__name__)

_SUPPORTED_SERVICES = ("sqs", "sns")


def _arn_parts(arn: str) -> list[str]:
    """``arn:partition:service:region:account:resource`` split in its six parts (resource kept whole)."""
    return arn.split(":", 5)


def _message_attributes(attributes: Mapping[str, str | int]) -> dict[str, dict[str, str]]:
    return {
        name: {"DataType": "Number" if isinstance(value, int) else "String", "StringValue": str(value)}
        for name, value in attributes.items()
    }


class DestinationSender:
    """Delivers a JSON document to an SQS queue or SNS topic ARN, logging (not raising) on failure,
    because a failure destination that is itself broken must not stop the event source."""

    def __init__(self, clients: MotoClients) -> None:
        self._clients = clients
        self._queue_urls: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def supports(arn: str) -> bool:
        parts = _arn_parts(arn)
        return len(parts) == 6 and parts[2] in _SUPPORTED_SERVICES

    def send(
        self, arn: str, document: Any, *, about: str, attributes: Mapping[str, str | int] | None = None
    ) -> bool:
        """Sends ``document`` as JSON; ``about`` names the function in the log line if it cannot be sent."""
        if not self.supports(arn):
            logger.error("%s: The local cloud cannot deliver to %s (only SQS and SNS); dropped.", about, arn)
            return False
        body = json.dumps(document)
        message_attributes = _message_attributes(attributes or {})
        try:
            if _arn_parts(arn)[2] == "sqs":
                self._clients.client("sqs").send_message(
                    QueueUrl=self._queue_url(arn), MessageBody=body, MessageAttributes=message_attributes
                )
            else:
                self._clients.client("sns").publish(
                    TopicArn=arn, Message=body, MessageAttributes=message_attributes
                )
        except (BotoCoreError, ClientError) as error:
            logger.error("%s: could not deliver to %s (%s); dropped.", about, arn, error)
            return False
        return True

    def _queue_url(self, arn: str) -> str:
        with self._lock:
            if arn not in self._queue_urls:
                _, _, _, _, account, name = _arn_parts(arn)
                response = self._clients.client("sqs").get_queue_url(
                    QueueName=name, QueueOwnerAWSAccountId=account
                )
                self._queue_urls[arn] = response["QueueUrl"]
            return self._queue_urls[arn]
