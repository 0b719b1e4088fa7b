"""API Gateway's mapping expressions and ``$context`` templates, to the extent simple templates use them.

Gateway responses and MOCK integrations (CDK's CORS preflight) set headers from expressions such as
``'literal'`` or ``method.request.header.Origin`` and bodies from templates such as
``{"message": $context.error.messageString}``. Full VTL (``#if``, ``#foreach``) is not interpreted.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from emulator.gateway.rest_request import IncomingRequest

__all__ = ["MappingSources", "render_template", "resolve_expression"]

_REQUEST_EXPRESSION = re.compile(r"^method\.request\.(?P<location>header|querystring|path)\.(?P<name>.+)$")
_NAME = r"[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*"
_TEMPLATE_VARIABLE = re.compile(
    rf"\$\{{(?P<braced_scope>context|stageVariables)\.(?P<braced_name>{_NAME})\}}"
    rf"|\$(?P<scope>context|stageVariables)\.(?P<name>{_NAME})"
)


@dataclass(frozen=True)
class MappingSources:
    """What an expression can read: the request, its path parameters, stage variables and ``$context``."""

    request: IncomingRequest
    context: Mapping[str, str]
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


def resolve_expression(expression: str, sources: MappingSources) -> str | None:
    """The value of a header mapping expression, or None when it names nothing present."""
    if len(expression) >= 2 and expression.startswith("'") and expression.endswith("'"):
        return expression[1:-1]
    if match := _REQUEST_EXPRESSION.match(expression):
        return _request_values(sources, match["location"]).get(match["name"])
    scope, _, name = expression.partition(".")
    values = {"stageVariables": sources.stage_variables, "context": sources.context}.get(scope, {})
    return values.get(name)


def _request_values(sources: MappingSources, location: str) -> Mapping[str, str]:
    if location == "header":
        return sources.request.headers
    if location == "querystring":
        return sources.request.query
    return sources.path_parameters


def render_template(template: str, sources: MappingSources) -> str:
    """``template`` with every ``$context.x`` and ``$stageVariables.x`` replaced (unknown ones by nothing)."""

    def substitute(match: re.Match[str]) -> str:
        scope = match["braced_scope"] or match["scope"]
        values = sources.context if scope == "context" else sources.stage_variables
        return values.get(match["braced_name"] or match["name"], "")

    return _TEMPLATE_VARIABLE.sub(substitute, template)
