"""Reads a deployment's ``AWS::ApiGateway::*`` resources into the gateway's model of each REST API.

Features the local cloud does not reproduce (caching, OpenAPI bodies, API keys, body models, some integration
types) each get one warning line here, at start-up, instead of silently behaving differently.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.gateway.rest.model import (
    Authorization,
    Authorizer,
    CustomizedGatewayResponse,
    Integration,
    LambdaProxyIntegration,
    Method,
    MockIntegration,
    MockIntegrationResponse,
    RequestParameter,
    ResourceNode,
    RestApi,
    Stage,
    ThrottleLimits,
    UnsupportedIntegration,
)

__all__ = ["function_arn_from_invocation_uri", "load_rest_apis"]

logger = logging.getLogger(__name__)

_LAMBDA_INVOCATION_URI = re.compile(r":lambda:path/[^/]+/functions/(?P<function>.+)/invocations$")
_REQUEST_PARAMETER = re.compile(r"^method\.request\.(?P<location>querystring|header|path)\.(?P<name>.+)$")
# API Gateway's integration timeout: a proxy request waits at most this long for the function.
_DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000
# Account-level limits that apply when a stage sets only one of rate and burst.
_ACCOUNT_RATE_LIMIT = 10_000.0
_ACCOUNT_BURST_LIMIT = 5_000


def load_rest_apis(deployment: Deployment) -> dict[str, RestApi]:
    """Every REST API of ``deployment`` by its API id."""
    by_api: dict[str, list[Resource]] = defaultdict(list)
    for resource in deployment.resources:
        if resource.type.startswith("AWS::ApiGateway::"):
            by_api[str(resource.properties.get("RestApiId", ""))].append(resource)
    warnings: set[str] = set()
    apis = {
        api.physical_id: _rest_api(api, by_api[api.physical_id], warnings)
        for api in deployment.of_type("AWS::ApiGateway::RestApi")
    }
    for warning in sorted(warnings):
        logger.warning(warning)
    return apis


def function_arn_from_invocation_uri(uri: str) -> str | None:
    """The function ARN in an integration URI (``arn:aws:apigateway:...:functions/{arn}/invocations``)."""
    match = _LAMBDA_INVOCATION_URI.search(uri)
    return match["function"] if match else None


def _rest_api(api: Resource, members: list[Resource], warnings: set[str]) -> RestApi:
    label = f"REST API {api.properties.get('Name', api.logical_id)} ({api.physical_id})"
    if api.properties.get("Body") or api.properties.get("BodyS3Location"):
        warnings.add(f"{label}: its OpenAPI body is not read locally; only template resources are served.")
    validators = {
        resource.physical_id: resource.properties for resource in _of_type(members, "RequestValidator")
    }
    root = _resource_tree(api, list(_of_type(members, "Resource")))
    nodes = {node.resource_id: node for node in _walk(root)}
    for resource in _of_type(members, "Method"):
        node = nodes.get(str(resource.properties.get("ResourceId")))
        if node is None:
            warnings.add(f"{label}: method {resource.logical_id} is on an unknown resource; not served.")
            continue
        method = _method(resource.properties, node, validators, label, warnings)
        node.methods[method.http_method] = method
    return RestApi(
        api_id=api.physical_id,
        name=str(api.properties.get("Name", api.logical_id)),
        root=root,
        stages=_stages(members, label, warnings),
        authorizers={
            resource.physical_id: _authorizer(resource) for resource in _of_type(members, "Authorizer")
        },
        gateway_responses={
            response.response_type: response
            for response in map(_gateway_response, _of_type(members, "GatewayResponse"))
        },
        binary_media_types=tuple(
            media_type.replace("~1", "/") for media_type in api.properties.get("BinaryMediaTypes", ())
        ),
    )


def _of_type(members: Iterable[Resource], short_type: str) -> Iterable[Resource]:
    return (resource for resource in members if resource.type == f"AWS::ApiGateway::{short_type}")


def _resource_tree(api: Resource, resources: list[Resource]) -> ResourceNode:
    children: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        children[str(resource.properties.get("ParentId"))].append(resource)
    root_id = api.attributes.get("RootResourceId") or _orphan_parent(resources)
    root = ResourceNode(resource_id=root_id, path_part="", path="/")
    pending = [root]
    while pending:
        parent = pending.pop()
        for resource in children[parent.resource_id]:
            part = str(resource.properties["PathPart"])
            child = ResourceNode(
                resource_id=resource.physical_id,
                path_part=part,
                path=f"{parent.path.rstrip('/')}/{part}",
            )
            parent.children.append(child)
            pending.append(child)
    return root


def _orphan_parent(resources: list[Resource]) -> str:
    """The root resource id when the deployment did not record it: the parent that is no resource itself."""
    ids = {resource.physical_id for resource in resources}
    parents = {str(resource.properties.get("ParentId")) for resource in resources} - ids
    return parents.pop() if len(parents) == 1 else "root"


def _walk(node: ResourceNode) -> Iterable[ResourceNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _method(
    properties: Mapping[str, Any],
    node: ResourceNode,
    validators: Mapping[str, Mapping[str, Any]],
    label: str,
    warnings: set[str],
) -> Method:
    http_method = str(properties["HttpMethod"]).upper()
    validator = validators.get(str(properties.get("RequestValidatorId")), {})
    if _flag(properties.get("ApiKeyRequired")):
        warnings.add(f"{label}: API keys and usage plans are not checked locally (ApiKeyRequired ignored).")
    if properties.get("RequestModels") and _flag(validator.get("ValidateRequestBody")):
        warnings.add(f"{label}: request bodies are not validated against their models locally.")
    integration = _integration(properties.get("Integration") or {})
    if isinstance(integration, UnsupportedIntegration):
        warnings.add(
            f"{label}: {integration.description} integrations are not run locally; such methods answer 500."
        )
    authorization_type = str(properties.get("AuthorizationType", "NONE")).upper()
    if authorization_type == "AWS_IAM":
        warnings.add(
            f"{label}: AWS_IAM authorization checks only that a request is SigV4-signed, not the signature."
        )
    return Method(
        http_method=http_method,
        resource_id=node.resource_id,
        resource_path=node.path,
        authorization=Authorization(
            type=authorization_type,
            authorizer_id=properties.get("AuthorizerId"),
            scopes=tuple(properties.get("AuthorizationScopes", ())),
        ),
        integration=integration,
        required_parameters=_required_parameters(properties.get("RequestParameters") or {}),
        validates_parameters=_flag(validator.get("ValidateRequestParameters")),
    )


def _integration(integration: Mapping[str, Any]) -> Integration:
    kind = str(integration.get("Type", "")).upper()
    uri = str(integration.get("Uri", ""))
    function_arn = function_arn_from_invocation_uri(uri)
    if kind == "AWS_PROXY" and function_arn:
        timeout_ms = int(integration.get("TimeoutInMillis", _DEFAULT_INTEGRATION_TIMEOUT_MS))
        return LambdaProxyIntegration(function_arn=function_arn, timeout_seconds=timeout_ms / 1000)
    if kind == "MOCK":
        return MockIntegration(
            request_templates=integration.get("RequestTemplates") or {},
            responses=tuple(
                MockIntegrationResponse(
                    status_code=int(response.get("StatusCode", 200)),
                    selection_pattern=response.get("SelectionPattern") or None,
                    response_parameters=response.get("ResponseParameters") or {},
                    response_templates=response.get("ResponseTemplates") or {},
                )
                for response in integration.get("IntegrationResponses", ())
            ),
        )
    return UnsupportedIntegration(kind if kind != "AWS_PROXY" else f"AWS_PROXY ({uri})")


def _required_parameters(request_parameters: Mapping[str, Any]) -> tuple[RequestParameter, ...]:
    required = []
    for expression, is_required in request_parameters.items():
        match = _REQUEST_PARAMETER.match(expression)
        if match and _flag(is_required):
            required.append(RequestParameter(location=match["location"], name=match["name"]))
    return tuple(required)


def _stages(members: list[Resource], label: str, warnings: set[str]) -> dict[str, Stage]:
    stages: dict[str, Stage] = {}
    for deployment in _of_type(members, "Deployment"):
        name = deployment.properties.get("StageName")
        if name:
            description = deployment.properties.get("StageDescription") or {}
            stages[name] = _stage(name, description, description, label, warnings)
    for stage in _of_type(members, "Stage"):
        name = str(stage.properties.get("StageName") or stage.physical_id)
        stages[name] = _stage(name, stage.properties, {}, label, warnings)
    return stages


def _stage(
    name: str,
    properties: Mapping[str, Any],
    stage_wide_throttle: Mapping[str, Any],
    label: str,
    warnings: set[str],
) -> Stage:
    settings = list(properties.get("MethodSettings", ()))
    if "ThrottlingRateLimit" in stage_wide_throttle or "ThrottlingBurstLimit" in stage_wide_throttle:
        settings.insert(0, {"ResourcePath": "/*", "HttpMethod": "*", **stage_wide_throttle})
    if _flag(properties.get("CacheClusterEnabled")) or any(
        _flag(setting.get("CachingEnabled")) for setting in settings
    ):
        warnings.add(f"{label}: stage {name} enables caching, which is not emulated; nothing is cached.")
    throttling = {
        _throttle_key(setting): limits
        for setting in settings
        if (limits := _throttle_limits(setting)) is not None
    }
    return Stage(name=name, variables=properties.get("Variables") or {}, throttling=throttling)


def _throttle_limits(setting: Mapping[str, Any]) -> ThrottleLimits | None:
    rate = setting.get("ThrottlingRateLimit")
    burst = setting.get("ThrottlingBurstLimit")
    if rate is None and burst is None:
        return None
    return ThrottleLimits(
        rate_per_second=_ACCOUNT_RATE_LIMIT if rate is None else float(rate),
        burst=_ACCOUNT_BURST_LIMIT if burst is None else int(burst),
    )


def _throttle_key(setting: Mapping[str, Any]) -> tuple[str, str]:
    """(resource path, method); MethodSettings escape ``/`` as ``~1``, so ``/~1boards`` is /boards."""
    path = str(setting.get("ResourcePath", "/*"))
    if path != "/*":
        path = path.removeprefix("/").replace("~1", "/").replace("~0", "~") or "/"
    return path, str(setting.get("HttpMethod", "*")).upper()


def _authorizer(resource: Resource) -> Authorizer:
    properties = resource.properties
    sources = str(properties.get("IdentitySource", ""))
    return Authorizer(
        authorizer_id=resource.physical_id,
        type=str(properties.get("Type", "")).upper(),
        identity_sources=tuple(source.strip() for source in sources.split(",") if source.strip()),
        provider_arns=tuple(properties.get("ProviderARNs", ())),
        function_arn=function_arn_from_invocation_uri(str(properties.get("AuthorizerUri", ""))),
        identity_validation_expression=properties.get("IdentityValidationExpression") or None,
    )


def _gateway_response(resource: Resource) -> CustomizedGatewayResponse:
    properties = resource.properties
    status = properties.get("StatusCode")
    return CustomizedGatewayResponse(
        response_type=str(properties["ResponseType"]),
        status_code=int(status) if status else None,
        response_parameters=properties.get("ResponseParameters") or {},
        response_templates=properties.get("ResponseTemplates") or {},
    )


def _flag(value: Any) -> bool:
    """CloudFormation booleans arrive as JSON booleans or as the strings "true"/"false"."""
    return value is True or str(value).lower() == "true"
