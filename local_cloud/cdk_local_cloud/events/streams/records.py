"""Turns DynamoDB Streams ``GetRecords`` records into the records of Lambda's DynamoDB event.

botocore parses the wire format (timestamps become datetimes, binary attributes become bytes) and moto fills
in ``us-east-1`` as every record's region; Lambda sends JSON with epoch seconds, base64 binaries, the stream's
own region and the stream ARN, so each record is put back into that form.
"""

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["lambda_stream_record"]

# arn:aws:dynamodb:region:account:table/name/stream/label
_ARN_REGION_INDEX = 3


def _json_ready(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def lambda_stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One record as Lambda hands it to the function (also the shape that filter patterns match)."""
    converted: dict[str, Any] = _json_ready(record)
    converted["awsRegion"] = stream_arn.split(":")[_ARN_REGION_INDEX]
    converted["eventSourceARN"] = stream_arn
    return converted
