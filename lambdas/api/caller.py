"""The signed-in caller, injected into handlers with ``caller: CurrentCaller``.

Read from the Cognito claims API Gateway's authorizer verified; a request without them is a 401.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from corkboard.identity import Caller, caller_from_claims

__all__ = ["CurrentCaller", "current_caller"]


def current_caller(request: Request) -> Caller:
    """The caller of ``request``, from ``requestContext.authorizer.claims``."""
    event = request.resolved_event
    claims = event.request_context.authorizer.claims if isinstance(event, APIGatewayProxyEvent) else None
    return caller_from_claims(claims)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
