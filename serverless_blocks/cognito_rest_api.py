"""An API Gateway REST API whose routes require a Cognito user pool token unless declared public.

Example::

    api = CognitoRestApi(
        self,
        "Api",
        props=CognitoRestApiProps(user_pool=users.user_pool, cors_allow_origins=("https://app.example.com",)),
    )
    api.add_route("GET", "/health", health.function, public=True)
    api.add_route("GET", "/orders/{orderId}", orders.function)
    api.add_route(
        "GET", "/orders", orders.function, query_parameters=("status", "cursor"), throttling=(5, 10)
    )

With ``cache_cluster_size`` set, every GET route that needs a token is cached per caller: its cache key
holds the ``Authorization`` header and every path and query parameter, plus the ``Origin`` header when
CORS is on (the handler's CORS headers depend on it).
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, cast

from aws_cdk import Duration, Names, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, skip_check, warn_weakened_default
from serverless_blocks.gateway_error_responses import add_gateway_error_responses
from serverless_blocks.log_group import create_log_group
from serverless_blocks.method_not_allowed import MethodNotAllowed

__all__ = ["CognitoRestApi", "CognitoRestApiProps", "InvalidCacheClusterSizeError", "InvalidRoutePathError"]

_PUBLIC_ROUTE_REASON: Final = (
    "The route was declared public by the caller (for example a liveness check), so it "
    "deliberately has no authorizer and returns nothing that needs a signed-in user."
)
_WILDCARD_ORIGIN = "*"
# The sizes, in GB, that API Gateway offers for a stage cache.
_CACHE_CLUSTER_SIZES: Final = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_CACHED_METHOD: Final = "GET"
_AUTHORIZATION_HEADER: Final = "method.request.header.Authorization"
_ORIGIN_HEADER: Final = "method.request.header.Origin"
_PATH_PARAMETER_PREFIX: Final = "method.request.path."
_QUERY_PARAMETER_PREFIX: Final = "method.request.querystring."
# "{itemId}" names a path parameter; "{proxy+}" names a greedy one, whose parameter is "proxy".
_PATH_PARAMETER: Final = re.compile(r"\{([^}+]+)\+?\}")


class InvalidRoutePathError(ValueError):
    """Raised when a route path is not an absolute API Gateway resource path."""

    def __init__(self, path: str) -> None:
        super().__init__(f"Route path {path!r} must start with '/', e.g. '/items/{{itemId}}'.")


class InvalidCacheClusterSizeError(ValueError):
    """Raised when the stage cache size is not one API Gateway offers."""

    def __init__(self, size: str) -> None:
        super().__init__(
            f"cache_cluster_size {size!r} is not an API Gateway cache size; use one of "
            f"{', '.join(_CACHE_CLUSTER_SIZES)} (GB), or None for no cache."
        )


@dataclass(frozen=True, kw_only=True)
class CognitoRestApiProps:
    """The user pool that signs tokens, plus stage, throttling, caching, CORS, logging and WAF settings."""

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
    # Encrypts the access log group; None leaves it to CloudWatch Logs' service-managed key.
    encryption_key: kms.IKey | None = None
    tracing_enabled: bool = True
    metrics_enabled: bool = True
    logging_level: apigw.MethodLoggingLevel = apigw.MethodLoggingLevel.ERROR
    endpoint_type: apigw.EndpointType = apigw.EndpointType.REGIONAL
    cloud_watch_role: bool = True
    web_acl_arn: str | None = None
    cache_cluster_size: str | None = None
    cache_ttl: Duration = field(default_factory=lambda: Duration.seconds(60))
    cache_encrypted: bool = True
    # A method no route of a resource declares gets 405 and Allow (serverless_blocks.method_not_allowed);
    # False leaves API Gateway's answer, the same 403 "Missing Authentication Token" as an unknown path.
    method_not_allowed: bool = True


class CognitoRestApi(Construct):
    """REST API with a Cognito authorizer, JSON access logs, throttling, request validation and JSON errors.

    Execution logs never include request or response bodies (data tracing stays off), because bodies
    and headers carry tokens and personal data.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: CognitoRestApiProps) -> None:
        super().__init__(scope, construct_id)
        if props.cache_cluster_size is not None and props.cache_cluster_size not in _CACHE_CLUSTER_SIZES:
            raise InvalidCacheClusterSizeError(props.cache_cluster_size)
        self._props = props
        self.access_log_group = create_log_group(
            self,
            "AccessLogs",
            retention=props.access_log_retention,
            removal_policy=props.access_log_removal_policy,
            encryption_key=props.encryption_key,
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
                cache_cluster_enabled=self._has_cache or None,
                cache_cluster_size=props.cache_cluster_size,
                # Stage-wide caching would cache GET methods without the caller in their cache key;
                # add_route turns caching on per method instead.
                caching_enabled=False if self._has_cache else None,
            ),
        )
        self.stage = self.api.deployment_stage
        self._cfn_stage = cast(apigw.CfnStage, self.stage.node.default_child)
        self._stage_wide_settings = list(self._cfn_stage.method_settings)
        self._method_settings: list[apigw.CfnStage.MethodSettingProperty] = []
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
        self.method_not_allowed = (
            MethodNotAllowed(
                authorizer=self.authorizer, always_allowed=("OPTIONS",) if props.cors_allow_origins else ()
            )
            if props.method_not_allowed
            else None
        )
        self.web_acl_association = self._associate_web_acl(props.web_acl_arn)
        self._acknowledge_findings(props)
        self._warn_about_weakened_defaults(props)

    def add_route(
        self,
        method: str,
        path: str,
        handler: lambda_.IFunction,
        *,
        public: bool = False,
        query_parameters: Sequence[str] = (),
        throttling: tuple[float, int] | None = None,
        cacheable: bool = True,
    ) -> apigw.Method:
        """Route ``method path`` to ``handler`` through its own Lambda proxy integration.

        Resources along ``path`` are created or reused. The route requires a Cognito token unless
        ``public`` is set, which is recorded as an acknowledged cdk-nag finding on the method. Other
        methods on the same path are answered 405 with ``Allow`` (``method_not_allowed``).
        ``query_parameters`` are declared (optional) on the method and join the cache key.
        ``throttling`` is ``(rate_limit, burst_limit)`` for this route instead of the stage's.
        ``cacheable=False`` keeps a GET out of the stage cache, for reads that must see the latest write.
        """
        if not path.startswith("/"):
            raise InvalidRoutePathError(path)
        resource = self.api.root.resource_for_path(path)
        cached = cacheable and self._has_cache and not public and method.upper() == _CACHED_METHOD
        cache_key = (
            _cache_key_parameters(resource.path, query_parameters, cors=bool(self._props.cors_allow_origins))
            if cached
            else ()
        )
        route = resource.add_method(
            method,
            _lambda_integration(handler, cache_key),
            authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.COGNITO,
            authorizer=None if public else self.authorizer,
            request_parameters=_declared_parameters(query_parameters, cache_key) or None,
            request_validator=self.request_validator,
        )
        if self.method_not_allowed is not None:
            self.method_not_allowed.declare(resource, method, public=public)
        if public:
            acknowledge_rule(route, "AwsSolutions-APIG4", _PUBLIC_ROUTE_REASON)
            acknowledge_rule(route, "AwsSolutions-COG4", _PUBLIC_ROUTE_REASON)
            skip_check(route, "CKV_AWS_59", _PUBLIC_ROUTE_REASON)
        if cached or throttling is not None:
            self._add_method_setting(route, cached=cached, throttling=throttling)
        return route

    @property
    def _has_cache(self) -> bool:
        return self._props.cache_cluster_size is not None

    def _add_method_setting(
        self, route: apigw.Method, *, cached: bool, throttling: tuple[float, int] | None
    ) -> None:
        """Give one method its own stage settings: its throttle, and caching when it is cached.

        A method's entry replaces the stage-wide entry for that method, so it repeats the stage's
        logging, metrics and throttling rather than silently turning them off.
        """
        props = self._props
        rate_limit, burst_limit = throttling or (props.throttling_rate_limit, props.throttling_burst_limit)
        self._method_settings.append(
            apigw.CfnStage.MethodSettingProperty(
                http_method=route.http_method,
                resource_path=_method_setting_path(route.resource.path),
                logging_level=props.logging_level.value,
                metrics_enabled=props.metrics_enabled,
                data_trace_enabled=False,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
                caching_enabled=cached,
                cache_ttl_in_seconds=props.cache_ttl.to_seconds() if cached else None,
                cache_data_encrypted=props.cache_encrypted if cached else None,
            )
        )
        # The stage renders its settings when it is created, before any route exists.
        self._cfn_stage.method_settings = [*self._stage_wide_settings, *self._method_settings]

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
        if self._has_cache and not props.cache_encrypted:
            warn_weakened_default(
                self, "cache_encrypted", "cached responses, which hold callers' data, are stored unencrypted."
            )


def _cache_key_parameters(
    resource_path: str, query_parameters: Sequence[str], *, cors: bool
) -> tuple[str, ...]:
    """Everything that tells two requests apart: the caller's token and every path and query parameter.

    Without the token in the key, one user would be served another user's cached response. With CORS on,
    a handler answers each allowed Origin with its own ``Access-Control-Allow-Origin`` (and none without
    an allowed Origin), and API Gateway's cache ignores ``Vary``: the Origin joins the key.
    """
    return (
        _AUTHORIZATION_HEADER,
        *((_ORIGIN_HEADER,) if cors else ()),
        *(_PATH_PARAMETER_PREFIX + name for name in _PATH_PARAMETER.findall(resource_path)),
        *(_QUERY_PARAMETER_PREFIX + name for name in query_parameters),
    )


def _declared_parameters(query_parameters: Sequence[str], cache_key: Sequence[str]) -> dict[str, bool]:
    """Method request parameters: API Gateway accepts only declared parameters as cache keys.

    Only path parameters are required, since a request cannot reach the method without them.
    """
    names = [*(_QUERY_PARAMETER_PREFIX + name for name in query_parameters), *cache_key]
    return {name: name.startswith(_PATH_PARAMETER_PREFIX) for name in names}


def _lambda_integration(handler: lambda_.IFunction, cache_key: Sequence[str]) -> apigw.LambdaIntegration:
    """A proxy integration per route, so that each cached route carries its own cache key.

    Cache key parameters must be mapped onto the integration request. The console's test-invoke
    permission is left out on purpose.
    """
    return apigw.LambdaIntegration(
        handler,
        allow_test_invoke=False,
        cache_key_parameters=list(cache_key) or None,
        request_parameters={name.replace("method.", "integration.", 1): name for name in cache_key} or None,
    )


def _method_setting_path(resource_path: str) -> str:
    """A stage method setting escapes each '/' of the path as '~1' after a leading '/' ('/~1items~1{id}')."""
    if resource_path == "/":
        return resource_path
    return "/" + resource_path.replace("/", "~1")


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
