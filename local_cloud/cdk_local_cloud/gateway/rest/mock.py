"""``MOCK`` integrations: API Gateway answers from the method's own templates, without a backend.

CDK's CORS preflight (``OPTIONS``) is the common case: a request template ``{ statusCode: 200 }`` selects
the integration response, whose parameters set the ``Access-Control-*`` headers; with several allowed
origins, its Velocity template overrides ``Access-Control-Allow-Origin`` with the request's allowed one.
"""

import re

from cdk_local_cloud.gateway.rest.gateway_responses import GatewayError, ResponseType
from cdk_local_cloud.gateway.rest.mapping import (
    MappingSources,
    TemplateError,
    render_velocity,
    resolve_expression,
)
from cdk_local_cloud.gateway.rest.model import MockIntegration, MockIntegrationResponse
from cdk_local_cloud.gateway.rest.reply import HttpReply

__all__ = ["mock_reply"]

_STATUS_IN_TEMPLATE = re.compile(r"""["']?statusCode["']?\s*:\s*(?P<status>\d{3})""")
_HEADER_PREFIX = "method.response.header."
_DEFAULT_CONTENT_TYPE = "application/json"


def mock_reply(integration: MockIntegration, sources: MappingSources) -> HttpReply:
    """The reply of the integration response that the request template's ``statusCode`` selects."""
    status = _requested_status(integration, sources.request.headers.get("Content-Type"))
    response = _selected(integration.responses, status)
    if response is None:
        # API Gateway: "No match for output mapping and no default output mapping", a 500 to the client.
        raise GatewayError(ResponseType.DEFAULT_5XX, status=500)
    headers = {"Content-Type": _DEFAULT_CONTENT_TYPE}
    for target, expression in response.response_parameters.items():
        value = resolve_expression(expression, sources)
        if target.startswith(_HEADER_PREFIX) and value is not None:
            headers[target.removeprefix(_HEADER_PREFIX)] = value
    try:
        rendered = render_velocity(response.response_templates.get(_DEFAULT_CONTENT_TYPE, ""), sources)
    except TemplateError as error:
        raise GatewayError(ResponseType.DEFAULT_5XX, status=500) from error
    # Overrides are applied after the standard mappings, as API Gateway applies them.
    headers.update(rendered.headers)
    return HttpReply(
        status=rendered.status or response.status_code,
        headers=tuple(headers.items()),
        body=rendered.body.encode(),
    )


def _requested_status(integration: MockIntegration, content_type: str | None) -> int:
    essence = (content_type or _DEFAULT_CONTENT_TYPE).split(";", 1)[0].strip()
    templates = integration.request_templates
    template = templates.get(essence) or templates.get(_DEFAULT_CONTENT_TYPE, "")
    match = _STATUS_IN_TEMPLATE.search(template)
    return int(match["status"]) if match else 200


def _selected(responses: tuple[MockIntegrationResponse, ...], status: int) -> MockIntegrationResponse | None:
    for response in responses:
        if response.selection_pattern and re.fullmatch(response.selection_pattern, str(status)):
            return response
    return next((response for response in responses if not response.selection_pattern), None)
