"""What the diagram draws: which resource types become boxes, and which glue resources become arrows.

A synthesized template is mostly glue (permissions, methods, routes, integrations, log groups). The
picture keeps the resources a reader reasons about and turns the glue into labelled arrows between
them, so that this table, not the drawing code, decides what the architecture diagram shows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["GLUE_RULES", "NODE_STYLES", "PASS_THROUGH", "GlueRule", "NodeStyle", "RouteCount", "Tier"]


class Tier(IntEnum):
    """Where a box sits, left to right: what clients call, the code, and what the code uses."""

    ENTRY = 0
    COMPUTE = 1
    STATE = 2


@dataclass(frozen=True)
class RouteCount:
    """How to count an API's routes: the route resources' type and the property naming their API."""

    route_type: str
    api_property: str


@dataclass(frozen=True)
class NodeStyle:
    """How one resource type is drawn: a title, its tier, a Graphviz shape and fill, and extra lines."""

    title: str
    tier: Tier
    shape: str
    fill: str
    detail_property: str | None = None
    routes: RouteCount | None = None


@dataclass(frozen=True, kw_only=True)
class GlueRule:
    """An arrow drawn for a glue resource: from what ``source`` names to what ``targets`` name.

    The arrow's label is ``label``, or the value of ``label_property`` when that is set.
    """

    source: str
    targets: tuple[str, ...]
    label: str = ""
    label_property: str | None = None


_COMPUTE, _DATA, _API, _IDENTITY, _MESSAGING = "#fde7d3", "#dbe8f7", "#e9e0f7", "#f9dcdc", "#f7dcec"

NODE_STYLES: Mapping[str, NodeStyle] = {
    "AWS::ApiGateway::RestApi": NodeStyle(
        "REST API", Tier.ENTRY, "hexagon", _API, routes=RouteCount("AWS::ApiGateway::Method", "RestApiId")
    ),
    "AWS::ApiGatewayV2::Api": NodeStyle(
        "WebSocket API", Tier.ENTRY, "hexagon", _API, routes=RouteCount("AWS::ApiGatewayV2::Route", "ApiId")
    ),
    "AWS::Cognito::UserPool": NodeStyle("Cognito user pool", Tier.STATE, "box", _IDENTITY),
    "AWS::DynamoDB::Table": NodeStyle("DynamoDB table", Tier.STATE, "cylinder", _DATA),
    "AWS::Lambda::Function": NodeStyle(
        "Lambda function", Tier.COMPUTE, "box", _COMPUTE, detail_property="Handler"
    ),
    "AWS::Lambda::LayerVersion": NodeStyle("Lambda layer", Tier.STATE, "tab", _COMPUTE),
    "AWS::S3::Bucket": NodeStyle("S3 bucket", Tier.STATE, "folder", _DATA),
    "AWS::SecretsManager::Secret": NodeStyle("Secrets Manager secret", Tier.STATE, "note", _IDENTITY),
    "AWS::SNS::Topic": NodeStyle("SNS topic", Tier.STATE, "box", _MESSAGING),
    "AWS::SQS::Queue": NodeStyle("SQS queue", Tier.STATE, "box3d", _MESSAGING),
    "AWS::WAFv2::WebACL": NodeStyle("WAF web ACL", Tier.ENTRY, "octagon", _IDENTITY),
}

GLUE_RULES: Mapping[str, tuple[GlueRule, ...]] = {
    "AWS::ApiGateway::Method": (GlueRule(source="RestApiId", targets=("Integration",), label="proxy"),),
    "AWS::ApiGateway::Authorizer": (
        GlueRule(source="RestApiId", targets=("ProviderARNs", "AuthorizerUri"), label="authorizer"),
    ),
    "AWS::ApiGatewayV2::Route": (GlueRule(source="ApiId", targets=("Target",), label_property="RouteKey"),),
    "AWS::ApiGatewayV2::Authorizer": (
        GlueRule(source="ApiId", targets=("AuthorizerUri",), label="authorizer"),
    ),
    "AWS::Lambda::EventSourceMapping": (
        GlueRule(source="EventSourceArn", targets=("FunctionName",), label="records"),
        GlueRule(source="FunctionName", targets=("DestinationConfig",), label="on failure"),
    ),
    "Custom::S3BucketNotifications": (
        GlueRule(source="BucketName", targets=("NotificationConfiguration",), label="notifies"),
    ),
    "AWS::SNS::Subscription": (GlueRule(source="TopicArn", targets=("Endpoint",), label="delivers"),),
    "AWS::WAFv2::WebACLAssociation": (
        GlueRule(source="WebACLArn", targets=("ResourceArn",), label="protects"),
    ),
}

# Glue that only forwards to another resource: a reference to it counts as a reference to what the
# named property points at (a WebSocket route targets an integration, which targets the function).
PASS_THROUGH: Mapping[str, str] = {
    "AWS::ApiGateway::Stage": "RestApiId",
    "AWS::ApiGatewayV2::Integration": "IntegrationUri",
    "AWS::ApiGatewayV2::Stage": "ApiId",
}
