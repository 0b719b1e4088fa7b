"""The client's frames. Entry point: ``ws.actions.handler`` (routes subscribe, unsubscribe, ping, $default).

API Gateway routes a frame by its ``action`` and sends anything it cannot route (not JSON, no or an
unknown action) to ``$default``; this handler reads the frame itself either way, so every route answers
the same frame the same way. The answer, reply or error (:mod:`ws.frames`), is posted to the caller's
own connection through the Management API, and the handler returns 200 so the socket stays open.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard.errors import (
    CorkboardError,
    InternalError,
    MalformedJsonError,
    ResourceNotFoundError,
    from_model_error,
)
from corkboard.identity import Caller
from corkboard.management_api import ConnectionGoneError, encode_frame
from corkboard.observability import logger, tracer
from corkboard.services import subscriptions
from corkboard.services.store import management_api
from dynamo_odm.errors import ModelError
from ws.authorizer_context import caller_from_context
from ws.frames import (
    BoardNotFoundError,
    ClientFrame,
    PingFrame,
    UnsubscribeFrame,
    error_frame,
    parse_frame,
    pong,
    subscribed,
    unsubscribed,
)

__all__ = ["handler"]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one frame on the caller's connection."""
    request = APIGatewayWebSocketEvent(event)
    connection_id = request.request_context.connection_id
    reply = _answer(request, connection_id)
    try:
        management_api().post(connection_id, encode_frame(reply))
    except ConnectionGoneError:
        logger.info("the client left before its answer was sent", extra={"connection_id": connection_id})
    return {"statusCode": 200}


def _answer(request: APIGatewayWebSocketEvent, connection_id: str) -> dict[str, Any]:
    try:
        caller = caller_from_context(request.request_context.get("authorizer"))
        return _serve(parse_frame(_text_of(request)), caller, connection_id)
    except Exception as error:  # every failure, expected or not, becomes an error frame on the socket
        return error_frame(_catalogued(error, request.request_context.request_id))


def _text_of(request: APIGatewayWebSocketEvent) -> str | None:
    # A binary frame arrives base64-encoded; one that is not UTF-8 text cannot be JSON either.
    try:
        return request.decoded_body
    except ValueError as error:
        raise MalformedJsonError("a binary frame that is not UTF-8 text") from error


def _serve(frame: ClientFrame, caller: Caller, connection_id: str) -> dict[str, Any]:
    if isinstance(frame, PingFrame):
        return pong()
    if isinstance(frame, UnsubscribeFrame):
        subscriptions.unsubscribe(connection_id, frame.board_id)
        return unsubscribed(frame.board_id)
    try:
        subscriptions.subscribe(caller, connection_id, frame.board_id)
    except ResourceNotFoundError as error:
        raise BoardNotFoundError(frame.board_id) from error
    return subscribed(frame.board_id)


def _catalogued(error: Exception, request_id: str) -> CorkboardError:
    """The catalogue's answer to ``error``; the unexpected is logged and answered without details."""
    translated = from_model_error(error) if isinstance(error, ModelError) else error
    if isinstance(translated, CorkboardError) and not isinstance(translated, InternalError):
        logger.info("frame answered with an error", extra={"error": translated.code})
        return translated
    logger.exception("unhandled error")
    return InternalError(request_id)
