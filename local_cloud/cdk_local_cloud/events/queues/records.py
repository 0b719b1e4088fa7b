"""Turns SQS ``ReceiveMessage`` messages into the records of Lambda's SQS event.

Lambda hands a function each message with camelCase keys, every system attribute (``ApproximateReceiveCount``,
and for a FIFO queue ``MessageGroupId``, ``MessageDeduplicationId`` and ``SequenceNumber``), its message
attributes in Lambda's own shape, and the queue's ARN and region.
"""

import base64
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["filter_view", "lambda_sqs_record"]

# arn:aws:sqs:region:account:name
_ARN_REGION_INDEX = 3


def lambda_sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One received message as Lambda hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[_ARN_REGION_INDEX],
    }


def filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as Lambda's filters see it: a body that is JSON is matched as the object it holds."""
    try:
        body = json.loads(record["body"])
    except (TypeError, ValueError):
        return dict(record)
    return {**record, "body": body}


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    converted: dict[str, Any] = {
        "dataType": value["DataType"],
        "stringListValues": [],
        "binaryListValues": [],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if binary is not None:
        converted["binaryValue"] = base64.b64encode(binary).decode("ascii")
    return converted
