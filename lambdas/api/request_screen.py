"""The first look at every request: its body's media type, its query's names, and its JSON, read safely.

Powertools' validation middleware parses a body by its Content-Type (JSON, but also
``application/x-www-form-urlencoded`` and ``multipart/form-data``; a multipart header without a boundary
raised ValueError, a 500), and it ignores query parameters that a route does not declare. This API takes
JSON only and names every parameter (docs/api.md), so :class:`ScreeningValidation` runs ahead of
Powertools' own checks, before the caller's identity, any permission check or any database call:

- a route that takes a body refuses any declared media type but JSON with 415 ``unsupported_media_type``
  (no Content-Type at all is read as JSON, as before);
- the body is decoded and parsed once, by :func:`parse_json_body` (the resolver's JSON deserializer):
  413 if larger than :data:`MAX_BODY_BYTES` (from :mod:`corkboard.request_limits`, shared with the WAF in
  front of the API), before it is parsed, then :func:`corkboard.client_json.read_client_json`: 400 if it
  is not UTF-8 JSON, nests too deep or holds an unreadable number;
- a query parameter the route does not declare is a 400 ``invalid_request``, as an unknown body field is.

So a bad request gets the same 4xx whoever sends it, a non-member included, and never reaches a 500.

Example:
    >>> install(app)   # on a resolver built with enable_validation=True
"""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from corkboard.client_json import read_client_json
from corkboard.errors import (
    InvalidRequestError,
    MalformedJsonError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from corkboard.request_limits import MAX_BODY_BYTES

__all__ = ["JSON_MEDIA_TYPE", "MAX_BODY_BYTES", "ScreeningValidation", "install", "parse_json_body"]

JSON_MEDIA_TYPE = "application/json"


class ScreeningValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, preceded by the screen described in this module."""

    def handler(self, app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        """Screen the request, then validate it as Powertools does (its errors come after ours)."""
        route = app.context["_route"]
        event = app.current_event
        _refuse_undeclared_query(event, {field.alias for field in route.dependant.query_params})
        if route.dependant.body_params:
            _require_json(event.headers.get("content-type"))
            _parse_body(event)
        return super().handler(app, next_middleware)


def install(app: APIGatewayRestResolver) -> None:
    """Make ``app`` screen every request before validating it (``app`` must have validation enabled).

    Powertools keeps its request validation middleware on the resolver and puts it first in every
    route's chain; replacing that instance keeps the order Powertools chose.
    """
    app._request_validation_middleware = ScreeningValidation()


def parse_json_body(body: str) -> Any:
    """The client's JSON, read safely, with a size limit: an oversized body is a 413 and never parsed."""
    # Characters never outnumber UTF-8 bytes, so the cheap length check settles most oversized bodies.
    if len(body) > MAX_BODY_BYTES or len(body.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(MAX_BODY_BYTES)
    return read_client_json(body)


def _refuse_undeclared_query(event: APIGatewayProxyEvent, declared: set[str]) -> None:
    undeclared = sorted(set(event.query_string_parameters) - declared)
    if not undeclared:
        return
    takes = f"it takes: {', '.join(sorted(declared))}" if declared else "it takes none"
    raise InvalidRequestError(
        f"The request is invalid: unknown query parameter {', '.join(repr(name) for name in undeclared)}; "
        f"{takes}. Fix the parameter names and retry; see docs/api.md."
    )


def _require_json(content_type: str | None) -> None:
    media_type = (content_type or JSON_MEDIA_TYPE).split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaTypeError()


def _parse_body(event: APIGatewayProxyEvent) -> None:
    """Parse the body now; Powertools caches the result and validates it against the route's model later."""
    try:
        event.decoded_body  # noqa: B018  (a cached property: decoding it here is the point)
    except ValueError as error:  # binascii.Error or UnicodeDecodeError: bytes that are not UTF-8 text
        raise MalformedJsonError("the body is not UTF-8 text") from error
    event.json_body  # noqa: B018  (a cached property, parsed by the resolver's json_body_deserializer)
