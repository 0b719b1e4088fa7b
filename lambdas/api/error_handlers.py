"""Turns every exception a request can raise into the catalogue's JSON: ``{"error": code, "message": ...}``.

Installed on each resolver by :func:`install`. Every error is logged with its code (client errors at
INFO, server errors at WARNING plus a ``ServerErrors`` metric); anything unexpected is also logged with
its traceback and answered with a bare ``internal_error`` that names the request id, so nothing about
the code leaks to the caller.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit

from corkboard.errors import (
    CorkboardError,
    InternalError,
    InvalidRequestError,
    MalformedJsonError,
    RouteNotFoundError,
    UnsupportedMediaTypeError,
    from_model_error,
)
from corkboard.observability import logger, metrics
from dynamo_odm.errors import ModelError

__all__ = ["error_response", "install", "validation_message"]

# Enough to fix a request; a body with hundreds of mistakes does not need them all listed.
_MAX_REPORTED_PROBLEMS = 5


def error_response(error: CorkboardError) -> Response[dict[str, str]]:
    """The HTTP response for a catalogue error."""
    server_side = error.status >= 500
    if server_side:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    log = logger.warning if server_side else logger.info
    log("request answered with an error", extra={"error": error.code, "status": error.status})
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=error.body(),
        headers=dict(error.headers),
    )


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One readable sentence from pydantic's errors, e.g. "body.name: String should have at most 100 ..."."""
    problems = [f"{_location(error.get('loc', ()))}: {error.get('msg', 'is invalid')}" for error in errors]
    shown = "; ".join(problems[:_MAX_REPORTED_PROBLEMS])
    more = len(problems) - _MAX_REPORTED_PROBLEMS
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"The request is invalid: {shown}{suffix}. Fix these fields and retry; see docs/api.md."


def install(app: APIGatewayRestResolver) -> None:
    """Register the handlers on ``app``; Powertools picks the one nearest in the exception's MRO."""

    def route_not_found(_: NotFoundError) -> Response[dict[str, str]]:
        return error_response(RouteNotFoundError(app.current_event.http_method, app.current_event.path))

    def unexpected(_: Exception) -> Response[dict[str, str]]:
        logger.exception("unhandled error")
        return error_response(InternalError(app.current_event.request_context.request_id))

    def model_error(error: ModelError) -> Response[dict[str, str]]:
        translated = from_model_error(error)
        return unexpected(error) if isinstance(translated, InternalError) else error_response(translated)

    app.exception_handler(CorkboardError)(error_response)
    app.exception_handler(ModelError)(model_error)
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(RequestUnsupportedContentType)(_unsupported_media_type)
    app.exception_handler([ResponseValidationError, Exception])(unexpected)
    app.not_found(route_not_found)


def _invalid_request(error: RequestValidationError) -> Response[dict[str, str]]:
    problems = list(error.errors())
    malformed = next((problem for problem in problems if problem.get("type") == "json_invalid"), None)
    if malformed is not None:
        return error_response(MalformedJsonError(str(malformed.get("ctx", {}).get("error", "unreadable"))))
    return error_response(InvalidRequestError(validation_message(problems)))


def _unsupported_media_type(_: RequestUnsupportedContentType) -> Response[dict[str, str]]:
    return error_response(UnsupportedMediaTypeError())


def _location(loc: Sequence[Any]) -> str:
    # Powertools prefixes body fields with "body"; keep it, it tells the client where to look.
    return ".".join(str(part) for part in loc) or "request"
