"""An API Gateway REST API whose routes require a Cognito user pool token unless declared public.

Example::

    api = CognitoRestApi(
        self,
        "Api",
        props=CognitoRestApiProps(user_pool=users.user_pool, cors_allow_origins=("https://app.example.com",)),
    )
    api.add_route("GET", "/health", health.function, public=True)
    api.add_route("GET", "/orders/{orderId}", orders.function)
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Names, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, warn_weakened_default
from serverless_blocks.gateway_error_responses import add_gateway_error_responses

__all__ = ["CognitoRestApi", "CognitoRestApiProps", "InvalidRoutePathError"]

_PUBLIC_ROUTE_REASON: Final = (
    "The route was declared public by the caller (for example a liveness check), so it "
    "deliberately has no authorizer and returns nothing that needs a signed-in user."
)
_WILDCARD_ORIGIN = "*"


class InvalidRoutePathError(ValueError):
    """Raised when a route path is not an absolute API Gateway resource path."""

    def __init__(self, path: str) -> None:
        super().__init__(f"Route path {path!r} must start with '/', e.g. '/items/{{itemId}}'.")


@dataclass(frozen=True, kw_only=True)
class CognitoRestApiProps:
    """The user pool that signs tokens, plus stage, throttling, CORS, logging and WAF settings."""

    user_pool: cognito.IUserPool
    api_name: str | None = None
    description: str | None = None
    stage_name: str = "v1"
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    cors_allow_origins: Sequence[str] = ()
    cors_allow_headers: Sequence[str] = tuple(apigw.Cors.DEFAULT_HEADERS)
    access_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    access_log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    tracing_enabled: bool = True
    metrics_enabled: bool = True
    logging_level: apigw.MethodLoggingLevel = apigw.MethodLoggingLevel.ERROR
    endpoint_type: apigw.EndpointType = apigw.EndpointType.REGIONAL
    cloud_watch_role: bool = True
    web_acl_arn: str | None = None


class CognitoRestApi(Construct):
    """REST API with a Cognito authorizer, JSON access logs, throttling, request validation and JSON errors.

    Execution logs never include request or response bodies (data tracing stays off), because bodies
    and headers carry tokens and personal data.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: CognitoRestApiProps) -> None:
        super().__init__(scope, construct_id)
        self._integrations: dict[str, apigw.LambdaIntegration] = {}
        self.access_log_group = logs.LogGroup(
            self,
            "AccessLogs",
            retention=props.access_log_retention,
            removal_policy=props.access_log_removal_policy,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=props.api_name or Names.unique_resource_name(self),
            description=props.description,
            endpoint_types=[props.endpoint_type],
            cloud_watch_role=props.cloud_watch_role,
            # Account-wide setting other APIs in the region rely on; deleting this stack must not unset it.
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN if props.cloud_watch_role else None,
            default_cors_preflight_options=_cors_options(props),
            deploy_options=apigw.StageOptions(
                stage_name=props.stage_name,
                throttling_rate_limit=props.throttling_rate_limit,
                throttling_burst_limit=props.throttling_burst_limit,
                tracing_enabled=props.tracing_enabled,
                metrics_enabled=props.metrics_enabled,
                logging_level=props.logging_level,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=_access_log_format(),
            ),
        )
        self.stage = self.api.deployment_stage
        self.url = self.api.url
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[props.user_pool]
        )
        # Validates declared parameters and any request model a caller attaches to a method; routes
        # without a model pass their body to the handler, which validates it against its own schema.
        self.request_validator = self.api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        add_gateway_error_responses(self.api, _cors_error_headers(props.cors_allow_origins))
        self.web_acl_association = self._associate_web_acl(props.web_acl_arn)
        self._acknowledge_findings(props)
        self._warn_about_weakened_defaults(props)

    def add_route(
        self, method: str, path: str, handler: lambda_.IFunction, *, public: bool = False
    ) -> apigw.Method:
        """Route ``method path`` to ``handler`` through a Lambda proxy integration.

        Resources along ``path`` are created or reused. The route requires a Cognito token unless
        ``public`` is set, which is recorded as an acknowledged cdk-nag finding on the method.
        """
        if not path.startswith("/"):
            raise InvalidRoutePathError(path)
        resource = self.api.root.resource_for_path(path)
        if public:
            route = resource.add_method(
                method,
                self._integration_for(handler),
                authorization_type=apigw.AuthorizationType.NONE,
                request_validator=self.request_validator,
            )
            acknowledge_rule(route, "AwsSolutions-APIG4", _PUBLIC_ROUTE_REASON)
            acknowledge_rule(route, "AwsSolutions-COG4", _PUBLIC_ROUTE_REASON)
            return route
        return resource.add_method(
            method,
            self._integration_for(handler),
            authorization_type=apigw.AuthorizationType.COGNITO,
            authorizer=self.authorizer,
            request_validator=self.request_validator,
        )

    def _integration_for(self, handler: lambda_.IFunction) -> apigw.LambdaIntegration:
        """One integration per function; the console's test-invoke permission is left out on purpose."""
        key = handler.node.addr
        if key not in self._integrations:
            self._integrations[key] = apigw.LambdaIntegration(handler, allow_test_invoke=False)
        return self._integrations[key]

    def _associate_web_acl(self, web_acl_arn: str | None) -> wafv2.CfnWebACLAssociation | None:
        if web_acl_arn is None:
            return None
        return wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
        )

    def _acknowledge_findings(self, props: CognitoRestApiProps) -> None:
        if props.web_acl_arn is None:
            acknowledge_rule(
                self.stage,
                "AwsSolutions-APIG3",
                "The caller did not supply a WAF web ACL (web_acl_arn); web ACLs are usually shared "
                "per account or organisation and managed outside this API, and throttling plus "
                "Cognito authorization still guard every route.",
            )
        if props.cloud_watch_role:
            acknowledge_rule(
                self.api,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "API Gateway needs an account-level role to write execution logs; the AWS-managed "
                "AmazonAPIGatewayPushToCloudWatchLogs policy grants exactly the CloudWatch Logs "
                "actions for that and is maintained by AWS as the service changes.",
            )

    def _warn_about_weakened_defaults(self, props: CognitoRestApiProps) -> None:
        if not props.tracing_enabled:
            warn_weakened_default(self, "tracing_enabled", "requests no longer appear in X-Ray traces.")
        if props.logging_level == apigw.MethodLoggingLevel.OFF:
            warn_weakened_default(self, "logging_level", "API Gateway errors are no longer logged.")
        if _WILDCARD_ORIGIN in props.cors_allow_origins:
            warn_weakened_default(
                self, "cors_allow_origins", "any web site can call the API from a user's browser."
            )


def _access_log_format() -> apigw.AccessLogFormat:
    """One JSON object per request with what an on-call engineer asks first: who, what, how it ended."""
    fields = {
        "requestId": apigw.AccessLogField.context_request_id(),
        "requestTime": apigw.AccessLogField.context_request_time(),
        "ip": apigw.AccessLogField.context_identity_source_ip(),
        "caller": apigw.AccessLogField.context_authorizer_claims("sub"),
        "httpMethod": apigw.AccessLogField.context_http_method(),
        "resourcePath": apigw.AccessLogField.context_resource_path(),
        "path": apigw.AccessLogField.context_path(),
        "protocol": apigw.AccessLogField.context_protocol(),
        "status": apigw.AccessLogField.context_status(),
        "responseLength": apigw.AccessLogField.context_response_length(),
        "responseLatency": apigw.AccessLogField.context_response_latency(),
        "integrationLatency": apigw.AccessLogField.context_integration_latency(),
        "errorType": apigw.AccessLogField.context_error_response_type(),
        "traceId": apigw.AccessLogField.context_xray_trace_id(),
    }
    return apigw.AccessLogFormat.custom(json.dumps(fields))


def _cors_options(props: CognitoRestApiProps) -> apigw.CorsOptions | None:
    if not props.cors_allow_origins:
        return None
    return apigw.CorsOptions(
        allow_origins=list(props.cors_allow_origins),
        allow_methods=apigw.Cors.ALL_METHODS,
        allow_headers=list(props.cors_allow_headers),
    )


def _cors_error_headers(allow_origins: Sequence[str]) -> dict[str, str]:
    """CORS headers for gateway errors, so browsers let the page read why a request failed.

    Gateway responses cannot run the origin-matching logic of the preflight method, so with several
    allowed origins the request's Origin is echoed; error bodies carry no caller data.
    """
    if not allow_origins:
        return {}
    if len(allow_origins) == 1:
        return {"Access-Control-Allow-Origin": f"'{allow_origins[0]}'"}
    return {"Access-Control-Allow-Origin": "method.request.header.origin", "Vary": "'Origin'"}
