"""The JSON error bodies API Gateway returns when it rejects a request before any Lambda runs.

Clients parse one error shape, ``{"error": "<code>", "message": "<text>"}``, whether the error came
from a handler or from API Gateway itself (bad token, throttling, unknown route, oversized body, a WAF block).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw

__all__ = ["GATEWAY_ERROR_RESPONSES", "GatewayErrorResponse", "add_gateway_error_responses"]


@dataclass(frozen=True)
class GatewayErrorResponse:
    """How one API Gateway response type is reported: the status (None keeps API Gateway's) and error code."""

    response_type: apigw.ResponseType
    error: str
    status_code: str | None = None


GATEWAY_ERROR_RESPONSES: tuple[GatewayErrorResponse, ...] = (
    GatewayErrorResponse(apigw.ResponseType.UNAUTHORIZED, "unauthorized", "401"),
    GatewayErrorResponse(apigw.ResponseType.ACCESS_DENIED, "forbidden", "403"),
    GatewayErrorResponse(apigw.ResponseType.THROTTLED, "throttled", "429"),
    # A web ACL's block that carries no custom response of its own, such as an AWS managed rule's.
    GatewayErrorResponse(apigw.ResponseType.WAF_FILTERED, "request_blocked", "403"),
    GatewayErrorResponse(apigw.ResponseType.REQUEST_TOO_LARGE, "payload_too_large", "413"),
    GatewayErrorResponse(apigw.ResponseType.BAD_REQUEST_PARAMETERS, "bad_request", "400"),
    GatewayErrorResponse(apigw.ResponseType.BAD_REQUEST_BODY, "bad_request", "400"),
    # API Gateway answers a path or method it does not know with 403 "Missing Authentication Token";
    # to a client that is simply "not found".
    GatewayErrorResponse(apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "not_found", "404"),
    GatewayErrorResponse(apigw.ResponseType.INTEGRATION_TIMEOUT, "timeout", "504"),
    GatewayErrorResponse(apigw.ResponseType.DEFAULT_4_XX, "client_error"),
    GatewayErrorResponse(apigw.ResponseType.DEFAULT_5_XX, "server_error"),
)


def _error_body(error: str) -> str:
    """Velocity template of the body; ``messageString`` is API Gateway's message, already JSON-quoted."""
    return f'{{"error": "{error}", "message": $context.error.messageString}}'


def add_gateway_error_responses(api: apigw.RestApi, response_headers: Mapping[str, str]) -> None:
    """Replace API Gateway's default error bodies with the JSON shape, plus the given headers (e.g. CORS)."""
    for response in GATEWAY_ERROR_RESPONSES:
        api.add_gateway_response(
            f"{response.response_type.response_type}Response",
            type=response.response_type,
            status_code=response.status_code,
            templates={"application/json": _error_body(response.error)},
            response_headers=dict(response_headers) or None,
        )
