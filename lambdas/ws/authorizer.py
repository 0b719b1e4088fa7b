"""The WebSocket API's Lambda REQUEST authorizer on $connect. Entry point: ``ws.authorizer.handler``.

The client sends its Cognito ID token as ``?token=`` (browsers cannot set headers on a WebSocket). A
valid token gets an Allow policy for exactly the ``methodArn`` being called, with ``principalId`` = the
token's ``sub`` and the identity as the authorizer context (:mod:`ws.authorizer_context`).

Anything else (no token, garbage, a bad signature, expired, another pool, another app client, an access
token) fails the invocation with the error message ``Unauthorized``. That is the refusal API Gateway
documents for WebSocket REQUEST authorizers (its example calls back with ``"Unauthorized"``): the
handshake is answered 401, which tells a client to get a fresh token, where a Deny policy would answer
403, "you may not". The reason is logged, never sent. If the JWKS cannot be fetched, that error
propagates as it is and the handshake fails with 500: the fault is ours, not the token's.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponseWebSocket,
    parse_api_gateway_arn,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard import settings
from corkboard.observability import logger, tracer
from ws.authorizer_context import context_for
from ws.id_tokens import IdTokenVerifier, TokenRejectedError

__all__ = ["UNAUTHORIZED", "UnauthorizedConnectionError", "handler", "verifier"]

# API Gateway answers 401 only to this exact error message from an authorizer.
UNAUTHORIZED = "Unauthorized"
_TOKEN_PARAMETER = "token"  # noqa: S105 - the query string parameter's name, not a secret


class UnauthorizedConnectionError(Exception):
    """Refuses the handshake with 401; its message must stay exactly ``Unauthorized`` for API Gateway.

    The client is told only "401": reconnect with a fresh ID token of this app in ``?token=``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(UNAUTHORIZED)
        self.reason = reason


@cache
def verifier() -> IdTokenVerifier:
    """The container's verifier, built on first use; its JWKS cache lives as long as the container."""
    return IdTokenVerifier.for_user_pool(
        settings.user_pool_id(), settings.user_pool_client_id(), jwks_url=settings.jwks_url()
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Allow the $connect of a valid ID token, refuse any other with 401."""
    request = APIGatewayAuthorizerRequestEvent(event)
    token = (request.get("queryStringParameters") or {}).get(_TOKEN_PARAMETER)
    try:
        if not token:
            raise TokenRejectedError("no token in the query string")
        claims = verifier().verify(token)
    except TokenRejectedError as error:
        logger.info("connection refused", extra={"reason": str(error)})
        raise UnauthorizedConnectionError(str(error)) from error
    return _allow(request.method_arn, claims)


def _allow(method_arn: str, claims: Mapping[str, Any]) -> dict[str, Any]:
    """An Allow for exactly the route being called ($connect of this API and stage), nothing wider."""
    policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(
        method_arn, principal_id=str(claims["sub"]), context=context_for(claims)
    )
    policy.allow_route(resource=parse_api_gateway_arn(method_arn, is_websocket_authorizer=True).resource)
    return policy.asdict()
