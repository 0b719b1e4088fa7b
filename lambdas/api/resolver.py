"""The resolver every request goes through: Powertools' REST resolver, made safe to share between threads.

Powertools keeps the current event and Lambda context on its router *class*: right for Lambda, which
sends one request at a time to an execution environment, but wrong when tests or the local emulator
call the handler from several threads at once (one request would read another's body). Here both live
in thread-local storage, and :func:`api.app.handler` gives every thread its own resolver, so routing
context and middleware stacks are never shared either.

JSON bodies are parsed by :func:`parse_json_body`, which refuses anything over :data:`MAX_BODY_BYTES`
(from :mod:`corkboard.request_limits`, shared with the WAF in front of the API) before parsing it, and
every request is screened (media type, query names, body) before anything else (:mod:`api.request_screen`).
"""

import threading
from collections.abc import Mapping
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from api import request_screen
from api.cors import vary_on_origin
from corkboard.client_json import read_client_json
from corkboard.errors import PayloadTooLargeError
from corkboard.request_limits import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "ThreadSafeRestResolver", "current_lambda_context", "parse_json_body"]


_this_request = threading.local()


def current_lambda_context() -> LambdaContext | None:
    """The Lambda context of the request this thread is serving (None outside a request)."""
    return getattr(_this_request, "lambda_context", None)


def parse_json_body(body: str) -> Any:
    """The client's JSON, read safely, with a size limit: an oversized body is a 413 and never parsed."""
    # Characters never outnumber UTF-8 bytes, so the cheap length check settles most oversized bodies.
    if len(body) > MAX_BODY_BYTES or len(body.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(MAX_BODY_BYTES)
    return read_client_json(body)


class ThreadSafeRestResolver(APIGatewayRestResolver):
    """``APIGatewayRestResolver`` whose current event and Lambda context are per thread.

    With ``cors`` (see :mod:`api.cors`), every response, errors included, carries the CORS headers of an
    allowed Origin and ``Vary: Origin``.
    """

    def __init__(self, cors: CORSConfig | None = None) -> None:
        # A response that breaks its own schema is our bug: 500, not a 4xx blaming the client.
        super().__init__(
            cors=cors,
            enable_validation=True,
            response_validation_error_http_code=500,
            json_body_deserializer=parse_json_body,
        )
        request_screen.install(self)

    @property
    def current_event(self) -> APIGatewayProxyEvent:  # type: ignore[override]
        """The event of the request this thread is serving."""
        return cast(APIGatewayProxyEvent, _this_request.event)

    @property
    def lambda_context(self) -> LambdaContext:  # type: ignore[override]
        """The Lambda context of the request this thread is serving."""
        return cast(LambdaContext, _this_request.lambda_context)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Record this thread's request, then route it as Powertools does."""
        _this_request.event = self._to_proxy_event(dict(event))
        _this_request.lambda_context = context
        response = super().resolve(event, context)
        return vary_on_origin(response) if self._cors is not None else response
