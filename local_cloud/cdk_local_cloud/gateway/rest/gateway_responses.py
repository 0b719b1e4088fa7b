"""The gateway's own errors (401, 403, 429, 502, 504...) with API Gateway's bodies, or the template's.

An ``AWS::ApiGateway::GatewayResponse`` replaces the status, headers and body of one response type;
without one, ``DEFAULT_4XX``/``DEFAULT_5XX`` apply, and then API Gateway's built-in
``{"message": ...}``. Browsers need the CORS headers these customizations add, so they are honoured.
"""

import json
from collections.abc import Mapping
from dataclasses import replace
from enum import Enum

from cdk_local_cloud.gateway.rest.mapping import MappingSources, render_template, resolve_expression
from cdk_local_cloud.gateway.rest.model import CustomizedGatewayResponse
from cdk_local_cloud.gateway.rest.reply import HttpReply

__all__ = ["GatewayError", "ResponseType", "render_gateway_response"]

_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_HEADER_PREFIX = "gatewayresponse.header."


class ResponseType(Enum):
    """API Gateway's response types: (default status, default message, ``x-amzn-ErrorType``)."""

    MISSING_AUTHENTICATION_TOKEN = (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    )
    UNAUTHORIZED = (401, "Unauthorized", "UnauthorizedException")
    ACCESS_DENIED = (403, "User is not authorized to access this resource", "AccessDeniedException")
    BAD_REQUEST_PARAMETERS = (400, "Invalid request parameters", "BadRequestException")
    REQUEST_TOO_LARGE = (413, "Request Too Long", "RequestTooLargeException")
    THROTTLED = (429, "Too Many Requests", "TooManyRequestsException")
    AUTHORIZER_FAILURE = (500, None, "AuthorizerFailureException")
    AUTHORIZER_CONFIGURATION_ERROR = (500, None, "AuthorizerConfigurationException")
    INTEGRATION_TIMEOUT = (504, "Endpoint request timed out", "InternalServerErrorException")
    DEFAULT_4XX = (400, "Bad Request", "BadRequestException")
    DEFAULT_5XX = (500, "Internal server error", "InternalServerErrorException")

    @property
    def status(self) -> int:
        return int(self.value[0])

    @property
    def default_message(self) -> str | None:
        return self.value[1]

    @property
    def error_type(self) -> str:
        return str(self.value[2])


class GatewayError(Exception):
    """A request the gateway answers itself; ``message`` is what the client reads (None renders null)."""

    def __init__(
        self, response_type: ResponseType, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.response_type = response_type
        self.message = message if message is not None else response_type.default_message
        self.status = status or response_type.status
        super().__init__(f"{response_type.name} ({self.status}): {self.message}")


def render_gateway_response(
    error: GatewayError,
    customizations: Mapping[str, CustomizedGatewayResponse],
    sources: MappingSources,
) -> HttpReply:
    """The reply for ``error``, shaped by the API's customization of its type (or of DEFAULT_4XX/5XX)."""
    customization = customizations.get(error.response_type.name) or customizations.get(
        "DEFAULT_4XX" if error.status < 500 else "DEFAULT_5XX"
    )
    sources = replace(sources, context={**sources.context, **_error_variables(error)})
    status = error.status
    template = _DEFAULT_TEMPLATE
    headers: list[tuple[str, str]] = []
    if customization is not None:
        if customization.response_type == error.response_type.name and customization.status_code:
            status = customization.status_code
        template = customization.response_templates.get("application/json", template)
        headers = _customized_headers(customization, sources)
    customized = {name.lower() for name, _ in headers}
    defaults = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.response_type.error_type)]
    headers.extend((name, value) for name, value in defaults if name.lower() not in customized)
    return HttpReply(status=status, headers=tuple(headers), body=render_template(template, sources).encode())


def _error_variables(error: GatewayError) -> dict[str, str]:
    return {
        "error.message": error.message or "",
        "error.messageString": json.dumps(error.message),
        "error.responseType": error.response_type.name,
        "error.validationErrorString": error.message or ""
        if error.response_type is ResponseType.BAD_REQUEST_PARAMETERS
        else "",
    }


def _customized_headers(
    customization: CustomizedGatewayResponse, sources: MappingSources
) -> list[tuple[str, str]]:
    headers = []
    for target, expression in customization.response_parameters.items():
        value = resolve_expression(expression, sources)
        if target.startswith(_HEADER_PREFIX) and value is not None:
            headers.append((target.removeprefix(_HEADER_PREFIX), value))
    return headers
