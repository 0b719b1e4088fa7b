"""The REST APIs of a deployment as the gateway serves them: resource tree, methods, stages, authorizers.

Built once from the template's ``AWS::ApiGateway::*`` resources (see ``rest_deployment``), so the request
path never reads CloudFormation properties.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "ANY_METHOD",
    "Authorization",
    "Authorizer",
    "CustomizedGatewayResponse",
    "Integration",
    "LambdaProxyIntegration",
    "Method",
    "MockIntegration",
    "MockIntegrationResponse",
    "RequestParameter",
    "ResourceNode",
    "RestApi",
    "Stage",
    "ThrottleLimits",
    "UnsupportedIntegration",
]

ANY_METHOD = "ANY"


@dataclass(frozen=True)
class LambdaProxyIntegration:
    """``AWS_PROXY`` to a Lambda function: the proxy event in, the proxy response out."""

    function_arn: str
    timeout_seconds: float


@dataclass(frozen=True)
class MockIntegrationResponse:
    status_code: int
    selection_pattern: str | None
    # method.response.header.X -> mapping expression ('literal' or method.request.header.Y)
    response_parameters: Mapping[str, str]
    response_templates: Mapping[str, str]


@dataclass(frozen=True)
class MockIntegration:
    """``MOCK``: API Gateway answers by itself (CDK's CORS preflight is one)."""

    request_templates: Mapping[str, str]
    responses: tuple[MockIntegrationResponse, ...]


@dataclass(frozen=True)
class UnsupportedIntegration:
    """An integration type the local cloud does not run (HTTP, AWS service); requests to it get a 500."""

    description: str


Integration = LambdaProxyIntegration | MockIntegration | UnsupportedIntegration


@dataclass(frozen=True)
class RequestParameter:
    """A required ``method.request.{location}.{name}`` of a method (location: querystring, header, path)."""

    location: str
    name: str


@dataclass(frozen=True)
class Authorization:
    """How a method authorizes: ``NONE``, ``COGNITO_USER_POOLS``, ``CUSTOM`` or ``AWS_IAM``."""

    type: str = "NONE"
    authorizer_id: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Method:
    http_method: str
    resource_id: str
    resource_path: str
    authorization: Authorization
    integration: Integration
    required_parameters: tuple[RequestParameter, ...] = ()
    validates_parameters: bool = False


@dataclass
class ResourceNode:
    """One ``AWS::ApiGateway::Resource`` (or the API's root) with its children and methods."""

    resource_id: str
    path_part: str
    path: str
    children: list["ResourceNode"] = field(default_factory=list)
    methods: dict[str, Method] = field(default_factory=dict)

    @property
    def parameter_name(self) -> str | None:
        """``id`` for ``{id}``, ``proxy`` for ``{proxy+}``, None for a literal part."""
        if self.path_part.startswith("{") and self.path_part.endswith("}"):
            return self.path_part[1:-1].removesuffix("+")
        return None

    @property
    def is_greedy(self) -> bool:
        return self.path_part.endswith("+}")


@dataclass(frozen=True)
class ThrottleLimits:
    rate_per_second: float
    burst: int


@dataclass(frozen=True)
class Stage:
    name: str
    variables: Mapping[str, str]
    # (resource path, HTTP method) -> limits; ("/*", "*") holds the stage's default for every method
    throttling: Mapping[tuple[str, str], ThrottleLimits]


@dataclass(frozen=True)
class Authorizer:
    """A Cognito user pools authorizer (``provider_arns``) or a Lambda TOKEN/REQUEST one (``function_arn``).

    ``identity_sources`` are mapping expressions such as ``method.request.header.Authorization``.
    """

    authorizer_id: str
    type: str
    identity_sources: tuple[str, ...]
    provider_arns: tuple[str, ...] = ()
    function_arn: str | None = None
    identity_validation_expression: str | None = None


@dataclass(frozen=True)
class CustomizedGatewayResponse:
    """``AWS::ApiGateway::GatewayResponse``: the template's own shape for one of the gateway's errors."""

    response_type: str
    status_code: int | None
    # gatewayresponse.header.X -> mapping expression
    response_parameters: Mapping[str, str]
    response_templates: Mapping[str, str]


@dataclass(frozen=True)
class RestApi:
    api_id: str
    name: str
    root: ResourceNode
    stages: Mapping[str, Stage]
    authorizers: Mapping[str, Authorizer]
    gateway_responses: Mapping[str, CustomizedGatewayResponse]
    binary_media_types: tuple[str, ...] = ()
