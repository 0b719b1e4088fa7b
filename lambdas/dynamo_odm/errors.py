"""Errors the model layer raises, and the translation of DynamoDB's own errors into them.

Callers (services, API handlers) catch these instead of botocore's ``ClientError`` so that no code outside the
data layer needs to know DynamoDB's error codes. Every message says what the caller should do next.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

__all__ = [
    "DEFAULT_RETRY_AFTER_SECONDS",
    "ConditionFailedError",
    "InvalidChangeError",
    "InvalidCursorError",
    "ItemNotFoundError",
    "ModelError",
    "ThrottledError",
    "VersionConflictError",
    "throttled_error_for",
    "translate_throttling",
]

# DynamoDB sends no Retry-After; by the time we give up, botocore has already backed off for about a second.
DEFAULT_RETRY_AFTER_SECONDS = 1

_RETRY_LATER_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
_RETRY_LATER_CANCELLATION_CODES = frozenset(
    {"ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded", "TransactionConflict"}
)


class ModelError(Exception):
    """Base class of every error raised by the model layer."""


def _describe(model_name: str, key: Mapping[str, Any]) -> str:
    fields = ", ".join(f"{name}={value}" for name, value in key.items())
    return f"{model_name} ({fields})" if fields else model_name


class ItemNotFoundError(ModelError):
    """The item a read-modify-write, delete or condition check needed does not exist."""

    def __init__(self, model_name: str, key: Mapping[str, Any]) -> None:
        self.model_name = model_name
        self.key = dict(key)
        super().__init__(
            f"{_describe(model_name, key)} does not exist. Check the id; it may have been deleted."
        )


class VersionConflictError(ModelError):
    """A write carried a version that is no longer the stored one (optimistic locking)."""

    def __init__(
        self, model_name: str, key: Mapping[str, Any], *, expected_version: int, current_version: int | None
    ) -> None:
        self.model_name = model_name
        self.key = dict(key)
        self.expected_version = expected_version
        self.current_version = current_version
        current = "an unknown version" if current_version is None else f"version {current_version}"
        super().__init__(
            f"{_describe(model_name, key)} was changed by someone else ({current} is current, "
            f"the write expected version {expected_version}). Reload it and retry."
        )


class ConditionFailedError(ModelError):
    """A write's own condition expression did not hold (not a version mismatch, not a missing item)."""

    def __init__(self, model_name: str, key: Mapping[str, Any]) -> None:
        self.model_name = model_name
        self.key = dict(key)
        super().__init__(
            f"The write to {_describe(model_name, key)} was refused because its condition did not hold. "
            "Re-read the item and check the precondition before retrying."
        )


class InvalidChangeError(ModelError):
    """An update tried to change a field that is unknown, part of the key, frozen or the version."""

    def __init__(self, model_name: str, fields: set[str], changeable: set[str]) -> None:
        self.model_name = model_name
        self.fields = frozenset(fields)
        super().__init__(
            f"Cannot change {', '.join(sorted(fields))} on {model_name}. "
            f"Only these fields can be changed: {', '.join(sorted(changeable))}."
        )


class InvalidCursorError(ModelError):
    """A pagination cursor could not be decoded, was tampered with, or belongs to another list."""

    def __init__(self) -> None:
        super().__init__(
            "The cursor is invalid, was modified, or belongs to another list. "
            "Request the first page again without a cursor."
        )


class ThrottledError(ModelError):
    """DynamoDB kept refusing a request for capacity or contention reasons after botocore's retries."""

    def __init__(self, operation: str, retry_after_seconds: int = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        self.operation = operation
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            f"The database is busy and refused {operation}. Retry after {retry_after_seconds} second(s)."
        )


def throttled_error_for(error: ClientError, operation: str) -> ThrottledError | None:
    """Return the ThrottledError that ``error`` means, or None when it is not a retry-later error."""
    code = error.response.get("Error", {}).get("Code", "")
    if code in _RETRY_LATER_CODES:
        return ThrottledError(operation)
    reasons = error.response.get("CancellationReasons") or []
    if any(reason.get("Code") in _RETRY_LATER_CANCELLATION_CODES for reason in reasons):
        return ThrottledError(operation)
    return None


@contextmanager
def translate_throttling(operation: str) -> Iterator[None]:
    """Re-raise DynamoDB's retry-later errors as ThrottledError; let every other error through unchanged."""
    try:
        yield
    except ClientError as error:
        throttled = throttled_error_for(error, operation)
        if throttled is None:
            raise
        raise throttled from error
