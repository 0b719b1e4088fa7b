"""BatchGetItem and BatchWriteItem, including the retries of unprocessed keys that DynamoDB leaves to us.

DynamoDB answers a batch partly when it is short of capacity and returns the rest as ``UnprocessedKeys`` /
``UnprocessedItems``; botocore does not retry those. We retry them with jittered exponential backoff and
raise ThrottledError if some are still left, so no caller ever silently loses part of a batch.
"""

import random
from collections.abc import Callable, Iterator, Sequence
from time import sleep
from typing import Any

from dynamo_odm.errors import ThrottledError, translate_throttling

__all__ = ["MAX_ATTEMPTS", "MAX_GET_KEYS", "MAX_WRITE_REQUESTS", "batch_get", "batch_write"]

MAX_GET_KEYS = 100
MAX_WRITE_REQUESTS = 25
MAX_ATTEMPTS = 8
_BASE_DELAY_SECONDS = 0.05
_MAX_DELAY_SECONDS = 2.0
_jitter = random.SystemRandom()


def batch_get(
    client: Any, table_name: str, keys: Sequence[dict[str, Any]], *, consistent: bool = False
) -> list[dict[str, Any]]:
    """Every item found for ``keys``, in no particular order (absent keys are simply missing)."""
    found: list[dict[str, Any]] = []

    def send(pending: dict[str, Any]) -> dict[str, Any]:
        with translate_throttling("BatchGetItem"):
            response = client.batch_get_item(RequestItems=pending)
        found.extend(response.get("Responses", {}).get(table_name, []))
        return response.get("UnprocessedKeys") or {}

    for chunk in _chunks(keys, MAX_GET_KEYS):
        _drain(send, {table_name: {"Keys": chunk, "ConsistentRead": consistent}}, "BatchGetItem")
    return found


def batch_write(client: Any, table_name: str, requests: Sequence[dict[str, Any]]) -> None:
    """Send Put/DeleteRequests in batches of 25 until DynamoDB has processed every one."""

    def send(pending: dict[str, Any]) -> dict[str, Any]:
        with translate_throttling("BatchWriteItem"):
            response = client.batch_write_item(RequestItems=pending)
        return response.get("UnprocessedItems") or {}

    for chunk in _chunks(requests, MAX_WRITE_REQUESTS):
        _drain(send, {table_name: chunk}, "BatchWriteItem")


def _drain(send: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any], operation: str) -> None:
    pending = request
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            sleep(_backoff_seconds(attempt))
        pending = send(pending)
        if not pending:
            return
    raise ThrottledError(operation)


def _backoff_seconds(attempt: int) -> float:
    return _jitter.uniform(0, min(_MAX_DELAY_SECONDS, _BASE_DELAY_SECONDS * 2**attempt))


def _chunks(items: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
