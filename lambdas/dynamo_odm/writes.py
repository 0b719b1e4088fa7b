"""Prepared writes: one request that can be sent alone or as part of a transaction.

Every conditional write asks DynamoDB for the item as it was when the condition failed
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``). From that single answer, with no second read and so no
race, :class:`Expectation` tells a missing item from a stale version (reporting the current version) from
a failed user condition.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from botocore.exceptions import ClientError

from dynamo_odm.errors import (
    ConditionFailedError,
    ItemNotFoundError,
    ModelError,
    VersionConflictError,
    throttled_error_for,
)

__all__ = ["Expectation", "WriteOp", "translate_write_errors", "write_error"]

M = TypeVar("M")
WriteKind = Literal["Put", "Update", "Delete", "ConditionCheck"]


@dataclass(frozen=True)
class Expectation:
    """What a write's condition expected of the stored item, to explain a failure from the old item."""

    model_name: str
    key: Mapping[str, Any]
    must_exist: bool
    version_field: str | None = None
    expected_version: int | None = None

    def error_for(self, old_item: Mapping[str, Any] | None) -> ModelError:
        if not old_item:
            if self.must_exist:
                return ItemNotFoundError(self.model_name, self.key)
            return ConditionFailedError(self.model_name, self.key)
        if self.expected_version is not None:
            current = self._version_in(old_item)
            if current != self.expected_version:
                return VersionConflictError(
                    self.model_name, self.key, expected_version=self.expected_version, current_version=current
                )
        return ConditionFailedError(self.model_name, self.key)

    def _version_in(self, old_item: Mapping[str, Any]) -> int | None:
        stored = old_item.get(self.version_field or "")
        return None if stored is None or "N" not in stored else int(stored["N"])


@dataclass(frozen=True)
class WriteOp(Generic[M]):
    """One Put, Update, Delete or ConditionCheck: parameters, the model it stores (if any), expectation."""

    kind: WriteKind
    parameters: dict[str, Any]
    expectation: Expectation
    model: M

    def transact_item(self) -> dict[str, Any]:
        return {self.kind: {**self.parameters, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}


def write_error(error: ClientError, operation: str, ops: list[WriteOp[Any]]) -> Exception | None:
    """The model-layer error a failed write means, or None when it is none of ours to translate."""
    response = error.response
    code = response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return ops[0].expectation.error_for(response.get("Item"))
    reasons = response.get("CancellationReasons") or []
    for op, reason in zip(ops, reasons, strict=False):
        if reason.get("Code") == "ConditionalCheckFailed":
            return op.expectation.error_for(reason.get("Item"))
    return throttled_error_for(error, operation)


@contextmanager
def translate_write_errors(operation: str, ops: list[WriteOp[Any]]) -> Iterator[None]:
    """Re-raise a failed write as the model-layer error it means; let unrelated errors through."""
    try:
        yield
    except ClientError as error:
        translated = write_error(error, operation, ops)
        if translated is None:
            raise
        raise translated from error
