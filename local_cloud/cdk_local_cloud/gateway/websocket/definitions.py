"""The WebSocket APIs of a deployment, read from its ``AWS::ApiGatewayV2::*`` resources into plain values.

The gateway reads the template once, at start-up: every route then knows its function and authorizer
without a lookup per frame, and each template feature that the local cloud does not serve is warned about
once, in one line, instead of surprising a client later.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from cdk_local_cloud.contracts.deployment import Deployment, Resource

__all__ = [
    "CONNECT_ROUTE",
    "DEFAULT_ROUTE",
    "DISCONNECT_ROUTE",
    "IdentitySource",
    "IdentitySourceLocation",
    "WebSocketApi",
    "WebSocketAuthorizer",
    "WebSocketRoute",
    "websocket_apis",
]

logger = logging.getLogger(__name__)

CONNECT_ROUTE = "$connect"
DISCONNECT_ROUTE = "$disconnect"
DEFAULT_ROUTE = "$default"

_API = "AWS::ApiGatewayV2::Api"
_ROUTE = "AWS::ApiGatewayV2::Route"
_INTEGRATION = "AWS::ApiGatewayV2::Integration"
_AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
_STAGE = "AWS::ApiGatewayV2::Stage"
_WEBSOCKET = "WEBSOCKET"
_LAMBDA_PROXY = "AWS_PROXY"
_CUSTOM_AUTHORIZATION = "CUSTOM"
_NO_AUTHORIZATION = "NONE"
_REQUEST_AUTHORIZER = "REQUEST"
_TARGET_PREFIX = "integrations/"
# API Gateway names a Lambda integration by this URI; a plain function ARN is accepted too.
_LAMBDA_INVOCATION_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$"
)
_LAMBDA_ARN = re.compile(r"^arn:[^:]+:lambda:")


class IdentitySourceLocation(Enum):
    """Where in the $connect request an authorizer's identity source is read."""

    QUERY_STRING = "route.request.querystring."
    HEADER = "route.request.header."
    STAGE_VARIABLE = "stageVariables."
    CONTEXT = "context."


@dataclass(frozen=True)
class IdentitySource:
    """One identity source, e.g. ``route.request.querystring.token``; absent or empty means 401."""

    location: IdentitySourceLocation
    name: str


@dataclass(frozen=True)
class WebSocketAuthorizer:
    """A Lambda REQUEST authorizer; ``function`` is None when the template's cannot be run (-> 500)."""

    name: str
    function: str | None
    identity_sources: tuple[IdentitySource, ...] = ()


@dataclass(frozen=True)
class WebSocketRoute:
    """One route; ``function`` is None when its integration is not one that the local cloud can run."""

    key: str
    function: str | None
    authorizer: WebSocketAuthorizer | None = None
    # A RouteResponseSelectionExpression makes the route two-way: the integration's answer goes back.
    two_way: bool = False


@dataclass(frozen=True)
class WebSocketApi:
    """One WebSocket API with its stages (name -> stage variables) and routes (key -> route)."""

    api_id: str
    name: str
    route_selection_expression: str
    stages: Mapping[str, Mapping[str, str]]
    routes: Mapping[str, WebSocketRoute] = field(default_factory=dict)


def websocket_apis(deployment: Deployment) -> tuple[WebSocketApi, ...]:
    """Every WebSocket API of the deployment that has at least one stage to be served on."""
    definitions = (
        _read_api(deployment, api)
        for api in deployment.of_type(_API)
        if api.properties.get("ProtocolType") == _WEBSOCKET
    )
    return tuple(definition for definition in definitions if definition is not None)


def _read_api(deployment: Deployment, api: Resource) -> WebSocketApi | None:
    name = str(api.properties.get("Name", api.logical_id))
    stages = {
        str(stage.properties["StageName"]): dict(stage.properties.get("StageVariables") or {})
        for stage in _children(deployment, _STAGE, api)
    }
    if not stages:
        logger.warning("WebSocket API %s (%s) has no Stage, so it is not served.", name, api.physical_id)
        return None
    integrations = {child.physical_id: child for child in _children(deployment, _INTEGRATION, api)}
    authorizers = {child.physical_id: child for child in _children(deployment, _AUTHORIZER, api)}
    routes = (
        _read_route(name, route, integrations, authorizers) for route in _children(deployment, _ROUTE, api)
    )
    return WebSocketApi(
        api_id=api.physical_id,
        name=name,
        route_selection_expression=str(api.properties.get("RouteSelectionExpression", "")),
        stages=stages,
        routes={route.key: route for route in routes},
    )


def _children(deployment: Deployment, resource_type: str, api: Resource) -> list[Resource]:
    return [
        child
        for child in deployment.of_type(resource_type)
        if child.properties.get("ApiId") == api.physical_id
    ]


def _read_route(
    api_name: str,
    route: Resource,
    integrations: Mapping[str, Resource],
    authorizers: Mapping[str, Resource],
) -> WebSocketRoute:
    key = str(route.properties["RouteKey"])
    where = f"WebSocket API {api_name} route {key}"
    authorization = route.properties.get("AuthorizationType", _NO_AUTHORIZATION)
    if authorization not in (_NO_AUTHORIZATION, _CUSTOM_AUTHORIZATION):
        logger.warning(
            "%s: AuthorizationType %s is not checked locally; every caller is let in.", where, authorization
        )
    if route.properties.get("ApiKeyRequired"):
        logger.warning("%s: ApiKeyRequired is not checked locally.", where)
    authorizer = None
    if authorization == _CUSTOM_AUTHORIZATION:
        authorizer = _read_authorizer(where, authorizers.get(str(route.properties.get("AuthorizerId"))))
    return WebSocketRoute(
        key=key,
        function=_route_function(where, route, integrations),
        authorizer=authorizer,
        two_way=bool(route.properties.get("RouteResponseSelectionExpression")),
    )


def _route_function(where: str, route: Resource, integrations: Mapping[str, Resource]) -> str | None:
    target = str(route.properties.get("Target", ""))
    integration = integrations.get(target.removeprefix(_TARGET_PREFIX))
    if not target.startswith(_TARGET_PREFIX) or integration is None:
        logger.warning("%s has no integration; it answers as a failed integration would.", where)
        return None
    integration_type = integration.properties.get("IntegrationType")
    function = _lambda_function_of(str(integration.properties.get("IntegrationUri", "")))
    if integration_type != _LAMBDA_PROXY or function is None:
        logger.warning(
            "%s: only Lambda proxy (AWS_PROXY) integrations are emulated, not %s; it answers as a "
            "failed integration would.",
            where,
            integration_type,
        )
        return None
    return function


def _read_authorizer(where: str, authorizer: Resource | None) -> WebSocketAuthorizer:
    if authorizer is None:
        # Fail closed: a route meant to be guarded must not open up because its authorizer is unreadable.
        logger.warning("%s: its CUSTOM authorizer is not in the template; every $connect gets 500.", where)
        return WebSocketAuthorizer(name="(missing)", function=None)
    name = str(authorizer.properties.get("Name", authorizer.logical_id))
    function = _lambda_function_of(str(authorizer.properties.get("AuthorizerUri", "")))
    if authorizer.properties.get("AuthorizerType") != _REQUEST_AUTHORIZER:
        function = None
    if function is None:
        logger.warning(
            "%s: authorizer %s is not a Lambda REQUEST authorizer; every $connect gets 500.", where, name
        )
    texts = authorizer.properties.get("IdentitySource") or ()
    sources = (_read_identity_source(where, text) for text in ([texts] if isinstance(texts, str) else texts))
    return WebSocketAuthorizer(
        name=name,
        function=function,
        identity_sources=tuple(source for source in sources if source is not None),
    )


def _read_identity_source(where: str, text: str) -> IdentitySource | None:
    for location in IdentitySourceLocation:
        if text.startswith(location.value) and len(text) > len(location.value):
            return IdentitySource(location, text.removeprefix(location.value))
    logger.warning("%s: identity source %r is not understood and is not checked.", where, text)
    return None


def _lambda_function_of(uri: str) -> str | None:
    """The function ARN in an API Gateway Lambda invocation URI (or the ARN itself), else None."""
    match = _LAMBDA_INVOCATION_URI.match(uri)
    if match is not None:
        return match["arn"]
    return uri if _LAMBDA_ARN.match(uri) else None
