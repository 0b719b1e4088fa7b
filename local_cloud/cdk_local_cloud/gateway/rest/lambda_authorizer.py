"""A REST API's Lambda (``CUSTOM``) authorizers, TOKEN and REQUEST, run through the function host.

The authorizer function gets API Gateway's event, and its policy is evaluated against the request's
method ARN. A missing identity source, or the function failing with ``Unauthorized``, is a 401; a policy
that does not allow the call is a 403; a crash or a malformed answer is a 500, as in AWS.
"""

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.gateway.execute_api_policy import MalformedPolicyError, policy_allows
from cdk_local_cloud.gateway.rest.gateway_responses import GatewayError, ResponseType
from cdk_local_cloud.gateway.rest.mapping import MappingSources, resolve_expression
from cdk_local_cloud.gateway.rest.model import Authorizer, Method
from cdk_local_cloud.gateway.rest.proxy import request_context, request_fields
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker

__all__ = ["LambdaAuthorizer", "MalformedAuthorizerResponseError"]

logger = logging.getLogger(__name__)

_UNAUTHORIZED_ERROR = "Unauthorized"


class MalformedAuthorizerResponseError(ValueError):
    """An authorizer function answered something other than a principal, a policy and a flat context."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"The authorizer's answer {problem}. Return principalId, policyDocument and optionally a "
            "context whose values are strings, numbers or booleans."
        )


class LambdaAuthorizer:
    """Runs TOKEN and REQUEST authorizer functions and turns their policies into a verdict."""

    def __init__(self, invoker: ThreadedInvoker) -> None:
        self._invoker = invoker

    async def authorize(
        self, authorizer: Authorizer, method: Method, sources: MappingSources
    ) -> dict[str, Any]:
        """``requestContext.authorizer`` for an allowed request; raises :class:`GatewayError` otherwise."""
        if authorizer.function_arn is None:
            raise GatewayError(ResponseType.AUTHORIZER_CONFIGURATION_ERROR)
        request = sources.request
        event = {
            "type": authorizer.type,
            "methodArn": request.method_arn(),
            **_identity_fields(authorizer, method, sources),
        }
        started = time.monotonic()
        result = await self._invoker.invoke(authorizer.function_arn, event)
        latency_ms = int((time.monotonic() - started) * 1000)
        if result.error is not None:
            if result.error.message == _UNAUTHORIZED_ERROR:
                raise GatewayError(ResponseType.UNAUTHORIZED)
            logger.warning("Authorizer %s failed: %s", authorizer.function_arn, result.error.message)
            raise GatewayError(ResponseType.AUTHORIZER_FAILURE)
        return _verdict(result.payload, request.method_arn(), authorizer.function_arn, latency_ms)


def _identity_fields(authorizer: Authorizer, method: Method, sources: MappingSources) -> dict[str, Any]:
    """The token (TOKEN) or the whole request (REQUEST) for the event; a 401 when a source is missing."""
    identities = [resolve_expression(source, sources) for source in authorizer.identity_sources]
    if not all(identities):
        raise GatewayError(ResponseType.UNAUTHORIZED)
    if authorizer.type != "TOKEN":
        request = sources.request
        fields = request_fields(request, method, sources.path_parameters, sources.stage_variables)
        return {**fields, "requestContext": request_context(request, method, None)}
    token = identities[0] if identities else None
    pattern = authorizer.identity_validation_expression
    if not token or (pattern and not re.fullmatch(pattern, token)):
        raise GatewayError(ResponseType.UNAUTHORIZED)
    return {"authorizationToken": token}


def _verdict(payload: Any, method_arn: str, function_arn: str, latency_ms: int) -> dict[str, Any]:
    try:
        if not isinstance(payload, Mapping) or "principalId" not in payload:
            raise MalformedAuthorizerResponseError("has no principalId")
        allowed = policy_allows(payload.get("policyDocument"), method_arn)
        context = _stringified_context(payload.get("context"))
    except (MalformedPolicyError, MalformedAuthorizerResponseError) as error:
        logger.warning("Authorizer %s: %s", function_arn, error)
        raise GatewayError(ResponseType.AUTHORIZER_CONFIGURATION_ERROR) from error
    if not allowed:
        raise GatewayError(ResponseType.ACCESS_DENIED)
    return {"principalId": str(payload["principalId"]), **context, "integrationLatency": latency_ms}


def _stringified_context(context: Any) -> dict[str, str]:
    """REST APIs pass the authorizer's context values on as strings; objects and lists are refused."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise MalformedAuthorizerResponseError("has a context that is not an object")
    rendered = {}
    for key, value in context.items():
        if isinstance(value, Mapping | list):
            raise MalformedAuthorizerResponseError(f"has an object or list as context value {key!r}")
        rendered[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return rendered
