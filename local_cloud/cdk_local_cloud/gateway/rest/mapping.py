"""API Gateway's mapping expressions and templates.

Gateway responses and MOCK integrations (CDK's CORS preflight) set headers from expressions such as
``'literal'`` or ``method.request.header.Origin``. Gateway response bodies are templates such as
``{"message": $context.error.messageString}``, rendered by :func:`render_template` (variables only).
Integration response templates are Velocity: CDK's preflight for several origins picks the origin with
``#if`` and sets it with ``#set($context.responseOverride.header.Access-Control-Allow-Origin = ...)``, so
:func:`render_velocity` runs them on airspeed-ext (LocalStack's Velocity engine for AWS templates) with
``$input.params()``, ``$context`` (and its ``responseOverride``) and ``$stageVariables``; ``$util`` is not
provided.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import airspeed

from cdk_local_cloud.gateway.rest.request import IncomingRequest

__all__ = [
    "MappingSources",
    "TemplateError",
    "VelocityOutput",
    "render_template",
    "render_velocity",
    "resolve_expression",
]

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


class TemplateError(ValueError):
    """A mapping template that Velocity cannot run; API Gateway answers such a request with a 500."""


@dataclass(frozen=True)
class VelocityOutput:
    """A rendered integration response template: its body and what it set in ``responseOverride``."""

    body: str
    headers: Mapping[str, str]
    status: int | None


class _Parameters(dict[str, str]):
    """One location of ``$input.params()``; like API Gateway's, a missing name reads as empty."""

    def get(self, name: str, default: str = "") -> str:  # type: ignore[override]
        return super().get(name, default)


class _Input:
    """``$input`` of an integration response template: the method request's parameters, no body (MOCK)."""

    def __init__(self, sources: MappingSources) -> None:
        self._locations = {
            "path": _Parameters(sources.path_parameters),
            "querystring": _Parameters(sources.request.query.items()),
            "header": _Parameters(sources.request.headers.items()),
        }
        self.body = ""

    def params(self, name: str | None = None) -> Any:
        """All parameters by location, or the value of ``name`` from path, query string, then header."""
        if name is None:
            return self._locations
        return next(
            (values[name] for values in self._locations.values() if name in values),
            "",
        )


def _nested(flat: Mapping[str, str]) -> dict[str, Any]:
    """``{"identity.sourceIp": ip}`` as Velocity navigates it: ``{"identity": {"sourceIp": ip}}``."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        scope = nested
        for parent in parents:
            scope = scope.setdefault(parent, {})
        scope[leaf] = value
    return nested


def render_velocity(template: str, sources: MappingSources) -> VelocityOutput:
    """``template`` run as Velocity, with the ``responseOverride`` headers and status it set."""
    override: dict[str, Any] = {"header": {}, "status": None}
    context = {**_nested(sources.context), "responseOverride": override}
    namespace = {
        "context": context,
        "input": _Input(sources),
        "stageVariables": dict(sources.stage_variables),
    }
    try:
        body = airspeed.Template(template).merge(namespace)
    except airspeed.TemplateError as error:
        raise TemplateError(f"The mapping template cannot be rendered: {error}") from error
    status = override.get("status")
    return VelocityOutput(
        body=body,
        headers={str(name): str(value) for name, value in override["header"].items()},
        status=int(status) if status not in (None, "") else None,
    )
