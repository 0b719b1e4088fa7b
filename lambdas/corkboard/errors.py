"""The error catalogue: every failure a caller can see, with its HTTP status, machine code and advice.

Services raise these; the API turns any of them into ``{"error": code, "message": ...}`` with the
class's status. Errors from the data layer are translated here, in :func:`from_model_error`, so a
DynamoDB detail never leaks and each one reads the same wherever it happened.

Example:
    >>> error = StaleVersionError("Task", current_version=7)
    >>> error.status, error.code
    (409, 'version_conflict')
    >>> error.message
    'Task was changed by someone else (version 7 is current). Reload and retry.'
"""

from collections.abc import Iterable, Mapping
from typing import ClassVar

from dynamo_odm.errors import (
    ConditionFailedError,
    InvalidChangeError,
    InvalidCursorError,
    ItemNotFoundError,
    ModelError,
    ThrottledError,
    VersionConflictError,
)

__all__ = [
    "BadCursorError",
    "CorkboardError",
    "EditConflictError",
    "FileTooLargeError",
    "ForbiddenError",
    "IdempotencyKeyReusedError",
    "InternalError",
    "InvalidRequestError",
    "MalformedJsonError",
    "OwnerMembershipError",
    "PayloadTooLargeError",
    "RequestInProgressError",
    "ResourceNotFoundError",
    "RouteNotFoundError",
    "ServiceUnavailableError",
    "StaleVersionError",
    "UnauthorizedError",
    "UnsupportedFileTypeError",
    "UnsupportedMediaTypeError",
    "from_model_error",
]


class CorkboardError(Exception):
    """Base of the catalogue: the class fixes status and code, the instance carries the advice."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> Mapping[str, str]:
        """Extra response headers the caller needs to act on the error (none by default)."""
        return {}

    def body(self) -> dict[str, str]:
        """The JSON body every error response carries."""
        return {"error": self.code, "message": self.message}


class InvalidRequestError(CorkboardError):
    """The request is well-formed JSON but breaks the API's schema or rules."""

    status = 400
    code = "invalid_request"


class MalformedJsonError(CorkboardError):
    """The body is not JSON at all, so nothing in it could be checked."""

    status = 400
    code = "malformed_json"

    def __init__(self, detail: str) -> None:
        super().__init__(f"The request body is not valid JSON ({detail}). Send a JSON object.")


class BadCursorError(CorkboardError):
    """A pagination cursor the API did not issue, or one that was tampered with."""

    status = 400
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__(
            "The cursor was not issued by this API for this list. "
            "Pass back the nextCursor of the previous page unchanged, or omit it to start over."
        )


class UnauthorizedError(CorkboardError):
    """No verified identity came with the request."""

    status = 401
    code = "unauthorized"

    def __init__(self) -> None:
        super().__init__(
            "This request needs a signed-in user. Send a valid Cognito ID token in Authorization."
        )


class ForbiddenError(CorkboardError):
    """The caller can see the board but their role does not allow this action."""

    status = 403
    code = "forbidden"


class ResourceNotFoundError(CorkboardError):
    """The resource does not exist, or the caller may not know that it does (same answer on purpose)."""

    status = 404
    code = "not_found"

    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(
            f"{resource} '{resource_id}' was not found. Check the id; "
            "if it belongs to a board, ask the board's owner to add you."
        )


class RouteNotFoundError(CorkboardError):
    """No route matches the method and path."""

    status = 404
    code = "route_not_found"

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"There is no route {method} {path}. See docs/api.md for the routes.")


class StaleVersionError(CorkboardError):
    """Optimistic locking refused a write made against an old version."""

    status = 409
    code = "version_conflict"

    def __init__(self, resource: str, current_version: int | None) -> None:
        current = f"version {current_version} is current" if current_version is not None else "it is gone"
        super().__init__(f"{resource} was changed by someone else ({current}). Reload and retry.")
        self.current_version = current_version


class EditConflictError(CorkboardError):
    """A write's precondition no longer held because the data changed underneath it."""

    status = 409
    code = "conflict"

    def __init__(self, resource: str) -> None:
        super().__init__(f"{resource} changed while this request ran. Reload it and retry.")


class OwnerMembershipError(CorkboardError):
    """The owner's own membership is what makes them owner, so it cannot be edited or removed."""

    status = 409
    code = "owner_membership_locked"

    def __init__(self) -> None:
        super().__init__(
            "The board owner's membership cannot be changed or removed. Delete the board to end it instead."
        )


class RequestInProgressError(CorkboardError):
    """A request with the same Idempotency-Key is still running."""

    status = 409
    code = "request_in_progress"

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still in progress. "
            "Wait a moment and retry with the same key."
        )


class PayloadTooLargeError(CorkboardError):
    """The body is bigger than the API accepts."""

    status = 413
    code = "payload_too_large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"The request body is larger than {limit_bytes} bytes. Send a smaller body.")


class FileTooLargeError(CorkboardError):
    """An attachment declared bigger than the configured limit; same code as an oversized body."""

    status = 413
    code = "payload_too_large"

    def __init__(self, size: int, limit_bytes: int) -> None:
        super().__init__(
            f"The file is {size} bytes; attachments may have at most {limit_bytes} bytes. "
            "Attach a smaller file."
        )


class UnsupportedMediaTypeError(CorkboardError):
    """The body is declared as something other than JSON."""

    status = 415
    code = "unsupported_media_type"

    def __init__(self) -> None:
        super().__init__("Send the body as JSON with 'Content-Type: application/json'.")


class UnsupportedFileTypeError(CorkboardError):
    """An attachment of a content type that is not on the allowlist; same code as a non-JSON body."""

    status = 415
    code = "unsupported_media_type"

    def __init__(self, content_type: str, allowed: Iterable[str]) -> None:
        super().__init__(
            f"Files of type '{content_type}' cannot be attached. Attach one of: {', '.join(sorted(allowed))}."
        )


class IdempotencyKeyReusedError(CorkboardError):
    """An Idempotency-Key came back with a different request than the one it first named."""

    status = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request. "
            "Use a new key for a new request, or resend the original request unchanged."
        )


class InternalError(CorkboardError):
    """Anything unexpected: the details go to the logs, never to the caller."""

    status = 500
    code = "internal_error"

    def __init__(self, request_id: str | None = None) -> None:
        reference = f" and quote request id {request_id}" if request_id else ""
        super().__init__(
            f"Something went wrong on our side. Retry later; if it persists, report it{reference}."
        )


class ServiceUnavailableError(CorkboardError):
    """A dependency is overloaded; the caller should come back after a pause."""

    status = 503
    code = "service_unavailable"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"The service is busy. Retry in {retry_after_seconds} seconds.")
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> Mapping[str, str]:
        """Retry-After tells well-behaved clients exactly how long to back off."""
        return {"Retry-After": str(self.retry_after_seconds)}


def from_model_error(error: ModelError) -> CorkboardError:  # noqa: PLR0911  (one case per data-layer error)
    """The catalogue entry for a data-layer error: the one place DynamoDB outcomes become API answers."""
    match error:
        case ItemNotFoundError(model_name=resource, key=key):
            return ResourceNotFoundError(resource, _last_key_value(key))
        case VersionConflictError(model_name=resource, current_version=current):
            return StaleVersionError(resource, current)
        case ConditionFailedError(model_name=resource):
            return EditConflictError(resource)
        case InvalidChangeError():
            return InvalidRequestError(str(error))
        case InvalidCursorError():
            return BadCursorError()
        case ThrottledError(retry_after_seconds=seconds):
            return ServiceUnavailableError(seconds)
        case _:
            return InternalError()


def _last_key_value(key: Mapping[str, object]) -> str:
    # Keys list the parent first (board_id, then task_id), so the last value names the item itself.
    return str(list(key.values())[-1]) if key else "?"
