"""$connect and $disconnect. Entry points: ``ws.connection.connect`` and ``ws.connection.disconnect``.

$connect runs after the authorizer has accepted the token, and records the connection under the user
the authorizer named. Its status code decides the handshake: 200 opens the socket; anything else (or a
failure) refuses it, so a client never holds a socket that the broadcaster does not know about.
$disconnect forgets the connection and its subscriptions; API Gateway ignores its answer, and whatever
a lost $disconnect leaves behind expires by TTL.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard.errors import UnauthorizedError
from corkboard.observability import logger, tracer
from corkboard.services import subscriptions
from ws.authorizer_context import caller_from_context

__all__ = ["connect", "disconnect"]

_OK = {"statusCode": 200}
_UNAUTHORIZED = {"statusCode": 401}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def connect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Record the connection; refuse it (401) if it somehow arrives without the authorizer's identity."""
    request = APIGatewayWebSocketEvent(event)
    try:
        caller = caller_from_context(request.request_context.get("authorizer"))
    except UnauthorizedError:
        logger.warning("$connect without an authorizer context; is the authorizer wired to the route?")
        return _UNAUTHORIZED
    subscriptions.connect(caller, request.request_context.connection_id)
    return _OK


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def disconnect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Forget the connection and end its subscriptions."""
    subscriptions.disconnect(APIGatewayWebSocketEvent(event).request_context.connection_id)
    return _OK
