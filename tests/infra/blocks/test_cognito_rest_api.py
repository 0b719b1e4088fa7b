"""CognitoRestApi: every default in the template, every override honoured, nag- and lint-clean alone.

The user pool and the functions are imported, not created, so that cdk-nag and cfn-lint see only
what the construct itself adds to the stack.
"""

import json
import re
from typing import Any, NamedTuple

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from serverless_blocks import (
    GATEWAY_ERROR_RESPONSES,
    CognitoRestApi,
    CognitoRestApiProps,
    InvalidCacheClusterSizeError,
    InvalidRoutePathError,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import STACK_NAME, SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.blocks.imported import ACCOUNT, imported_function
from tests.infra.cfn_lint_check import lint_template

USER_POOL_ARN = f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_Example"
WEB_ACL_ARN = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/shared/11111111-2222-3333-4444-555555555555"
ORIGINS = ("https://app.example.com", "https://admin.example.com")
METHOD = "AWS::ApiGateway::Method"
STAGE = "AWS::ApiGateway::Stage"
GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse"
RESOURCE = "AWS::ApiGateway::Resource"
AUTHORIZATION_KEY = "method.request.header.Authorization"
ORIGIN_KEY = "method.request.header.Origin"


class Route(NamedTuple):
    """One add_route call that every variant makes."""

    method: str
    path: str
    function: str
    public: bool = False
    query_parameters: tuple[str, ...] = ()
    throttling: tuple[float, int] | None = None
    cacheable: bool = True


ROUTES = (
    Route("GET", "/health", "Items", public=True),
    Route("GET", "/items", "Items", query_parameters=("status", "cursor")),
    Route("POST", "/items", "Items", throttling=(5, 10)),
    Route("GET", "/items/{itemId}", "Items"),
    Route("GET", "/items/{itemId}/parts/{partId}", "Items", query_parameters=("fields",)),
    Route("GET", "/reports", "Reports", throttling=(1, 2)),
    Route("GET", "/live", "Reports", cacheable=False),
)
# With a cache cluster: the GET routes that need a token and were not declared uncacheable.
CACHED_ROUTES = {
    (route.method, route.path)
    for route in ROUTES
    if route.method == "GET" and not route.public and route.cacheable
}


def _build_api(stack: Stack, **overrides: Any) -> CognitoRestApi:
    user_pool = cognito.UserPool.from_user_pool_arn(stack, "Pool", USER_POOL_ARN)
    api = CognitoRestApi(stack, "Api", props=CognitoRestApiProps(user_pool=user_pool, **overrides))
    functions = {name: imported_function(stack, name) for name in {route.function for route in ROUTES}}
    for route in ROUTES:
        api.add_route(
            route.method,
            route.path,
            functions[route.function],
            public=route.public,
            query_parameters=route.query_parameters,
            throttling=route.throttling,
            cacheable=route.cacheable,
        )
    return api


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CognitoRestApi]:
    return synthesize(_build_api, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CognitoRestApi]:
    def build(stack: Stack) -> CognitoRestApi:
        return _build_api(
            stack,
            api_name="items-api",
            description="Items for the example app",
            stage_name="prod",
            throttling_rate_limit=10,
            throttling_burst_limit=20,
            cors_allow_origins=ORIGINS,
            cors_allow_headers=("Content-Type", "Authorization", "Idempotency-Key"),
            access_log_retention=logs.RetentionDays.ONE_WEEK,
            access_log_removal_policy=RemovalPolicy.DESTROY,
            tracing_enabled=False,
            metrics_enabled=False,
            logging_level=apigw.MethodLoggingLevel.INFO,
            endpoint_type=apigw.EndpointType.EDGE,
            cloud_watch_role=False,
            web_acl_arn=WEB_ACL_ARN,
            cache_cluster_size="1.6",
            cache_ttl=Duration.minutes(5),
            cache_encrypted=False,
        )

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


@pytest.fixture(scope="module")
def single_origin(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CognitoRestApi]:
    def build(stack: Stack) -> CognitoRestApi:
        return _build_api(stack, cors_allow_origins=ORIGINS[:1])

    return synthesize(build, tmp_path_factory.mktemp("single_origin"))


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CognitoRestApi]:
    def build(stack: Stack) -> CognitoRestApi:
        return _build_api(stack, cache_cluster_size="0.5")

    return synthesize(build, tmp_path_factory.mktemp("cached"))


def _logical_id(synthesized: SynthesizedBlock[CognitoRestApi], construct: Any) -> str:
    return synthesized.stack.get_logical_id(construct.node.default_child)


def _methods(synthesized: SynthesizedBlock[CognitoRestApi], http_method: str) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in synthesized.template.find_resources(METHOD).values()
        if resource["Properties"]["HttpMethod"] == http_method
    ]


def _stage(synthesized: SynthesizedBlock[CognitoRestApi]) -> dict[str, Any]:
    (stage,) = synthesized.template.find_resources(STAGE).values()
    return stage["Properties"]


def _method_settings(synthesized: SynthesizedBlock[CognitoRestApi]) -> dict[tuple[str, str], dict[str, Any]]:
    """Stage method settings by (HTTP method, route path), with the stage-wide entry under ("*", "/*")."""
    return {
        (setting["HttpMethod"], _decoded(setting["ResourcePath"])): setting
        for setting in _stage(synthesized)["MethodSettings"]
    }


def _decoded(resource_path: str) -> str:
    """Undo the '~1' escaping of a method setting's path: '/~1items~1{itemId}' is '/items/{itemId}'."""
    if resource_path in {"/", "/*"}:
        return resource_path
    return resource_path[1:].replace("~1", "/")


def _methods_by_route(synthesized: SynthesizedBlock[CognitoRestApi]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every method's properties by (HTTP method, full path), the path rebuilt from the resource tree."""
    resources = synthesized.template.to_json()["Resources"]

    def path_of(reference: dict[str, Any]) -> str:
        if "Ref" not in reference:  # the root resource, referenced through the API
            return ""
        properties = resources[reference["Ref"]]["Properties"]
        return f"{path_of(properties['ParentId'])}/{properties['PathPart']}"

    return {
        (properties["HttpMethod"], path_of(properties["ResourceId"]) or "/"): properties
        for properties in (
            resource["Properties"] for resource in synthesized.template.find_resources(METHOD).values()
        )
    }


def _gateway_responses(synthesized: SynthesizedBlock[CognitoRestApi]) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["ResponseType"]: resource["Properties"]
        for resource in synthesized.template.find_resources(GATEWAY_RESPONSE).values()
    }


def _rendered_body(template: str) -> Any:
    """Render the body as API Gateway would, with a message that needs JSON escaping."""
    return json.loads(template.replace("$context.error.messageString", json.dumps('Say "hi"')))


def test_default_stage_throttles_traces_and_logs_errors_without_bodies(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    stage = _stage(default)
    assert (stage["StageName"], stage["TracingEnabled"]) == ("v1", True)
    assert _method_settings(default)[("*", "/*")] == {
        "HttpMethod": "*",
        "ResourcePath": "/*",
        "ThrottlingRateLimit": 50,
        "ThrottlingBurstLimit": 100,
        "LoggingLevel": "ERROR",
        "DataTraceEnabled": False,
        "MetricsEnabled": True,
    }


def test_default_has_no_cache(default: SynthesizedBlock[CognitoRestApi]) -> None:
    stage = _stage(default)
    assert "CacheClusterEnabled" not in stage
    assert "CacheClusterSize" not in stage
    assert not any(setting.get("CachingEnabled") for setting in stage["MethodSettings"])
    assert not any(
        "CacheKeyParameters" in method["Integration"] for method in _methods_by_route(default).values()
    )


def test_route_throttling_overrides_the_stage_for_that_method_only(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    throttled = {(route.method, route.path): route.throttling for route in ROUTES if route.throttling}
    settings = _method_settings(default)
    assert set(settings) == {("*", "/*"), *throttled}
    for (http_method, path), (rate_limit, burst_limit) in throttled.items():
        # The method's entry replaces the stage-wide one, so it must repeat logging and metrics.
        assert settings[(http_method, path)] == {
            "HttpMethod": http_method,
            "ResourcePath": "/" + path.replace("/", "~1"),
            "ThrottlingRateLimit": rate_limit,
            "ThrottlingBurstLimit": burst_limit,
            "LoggingLevel": "ERROR",
            "DataTraceEnabled": False,
            "MetricsEnabled": True,
            "CachingEnabled": False,
        }


def test_route_setting_paths_escape_slashes(default: SynthesizedBlock[CognitoRestApi]) -> None:
    paths = {setting["ResourcePath"] for setting in _stage(default)["MethodSettings"]}
    assert paths == {"/*", "/~1items", "/~1reports"}


def test_query_parameters_are_declared_optional(default: SynthesizedBlock[CognitoRestApi]) -> None:
    methods = _methods_by_route(default)
    for route in ROUTES:
        declared = methods[(route.method, route.path)].get("RequestParameters", {})
        assert declared == {f"method.request.querystring.{name}": False for name in route.query_parameters}


def test_default_access_logs_are_json_in_their_own_log_group(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    log_group_id = _logical_id(default, default.block.access_log_group)
    (stage,) = default.template.find_resources(STAGE).values()
    access_log = stage["Properties"]["AccessLogSetting"]
    assert access_log["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    assert json.loads(access_log["Format"])["caller"] == "$context.authorizer.claims.sub"
    default.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Retain"},
    )


def test_default_api_is_regional_with_a_generated_name(default: SynthesizedBlock[CognitoRestApi]) -> None:
    default.template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Name": Match.string_like_regexp(rf"^{STACK_NAME}Api"),
            "Description": Match.absent(),
        },
    )


def test_default_authorizer_trusts_the_user_pool(default: SynthesizedBlock[CognitoRestApi]) -> None:
    default.template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "COGNITO_USER_POOLS",
            "ProviderARNs": [USER_POOL_ARN],
            "IdentitySource": "method.request.header.Authorization",
        },
    )


def test_routes_require_the_authorizer_unless_declared_public(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    authorizer_id = default.stack.get_logical_id(default.block.authorizer.node.default_child)
    validator_id = default.stack.get_logical_id(default.block.request_validator.node.default_child)
    methods = _methods(default, "GET") + _methods(default, "POST")
    assert len(methods) == len(ROUTES)
    public = [method for method in methods if method["AuthorizationType"] == "NONE"]
    protected = [method for method in methods if method["AuthorizationType"] == "COGNITO_USER_POOLS"]
    assert len(public) == 1
    assert len(protected) == len(ROUTES) - 1
    assert all(method["AuthorizerId"] == {"Ref": authorizer_id} for method in protected)
    assert all(method["RequestValidatorId"] == {"Ref": validator_id} for method in methods)
    assert all(method["Integration"]["Type"] == "AWS_PROXY" for method in methods)


def _declared_by_path() -> dict[str, set[str]]:
    declared: dict[str, set[str]] = {}
    for route in ROUTES:
        declared.setdefault(route.path, set()).add(route.method)
    return declared


def _undeclared_method_answers(synthesized: SynthesizedBlock[CognitoRestApi]) -> dict[str, dict[str, Any]]:
    return {path: method for (verb, path), method in _methods_by_route(synthesized).items() if verb == "ANY"}


def test_every_path_with_routes_answers_other_methods_405_with_allow(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    answers = _undeclared_method_answers(default)

    assert set(answers) == set(_declared_by_path())
    for path, declared in _declared_by_path().items():
        integration = answers[path]["Integration"]
        assert integration["Type"] == "MOCK"
        (response,) = integration["IntegrationResponses"]
        assert "SelectionPattern" not in response
        assert response["StatusCode"] == "405"
        assert response["ResponseParameters"] == {
            "method.response.header.Allow": "'" + ", ".join(sorted(declared)) + "'"
        }
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["error"] == "method_not_allowed"
        assert "$context.httpMethod" in body["message"]
        assert answers[path]["MethodResponses"] == [
            {"StatusCode": "405", "ResponseParameters": {"method.response.header.Allow": True}}
        ]


def test_the_405_is_behind_the_authorizer_except_on_public_paths(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    authorizer_id = default.stack.get_logical_id(default.block.authorizer.node.default_child)
    answers = _undeclared_method_answers(default)
    public_paths = {route.path for route in ROUTES if route.public}

    assert {path for path, method in answers.items() if method["AuthorizationType"] == "NONE"} == public_paths
    assert all(
        method["AuthorizerId"] == {"Ref": authorizer_id}
        for path, method in answers.items()
        if path not in public_paths
    )


def test_with_cors_the_allow_header_names_the_preflight_too(
    overridden: SynthesizedBlock[CognitoRestApi],
) -> None:
    (response,) = _undeclared_method_answers(overridden)["/items"]["Integration"]["IntegrationResponses"]

    assert response["ResponseParameters"]["method.response.header.Allow"] == "'GET, OPTIONS, POST'"


def test_override_without_405_leaves_undeclared_methods_to_api_gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    synthesized = synthesize(
        lambda stack: _build_api(stack, method_not_allowed=False), tmp_path_factory.mktemp("no405")
    )

    assert _undeclared_method_answers(synthesized) == {}
    assert synthesized.block.method_not_allowed is None


def test_route_paths_create_each_resource_once(default: SynthesizedBlock[CognitoRestApi]) -> None:
    paths = sorted(
        resource["Properties"]["PathPart"]
        for resource in default.template.find_resources("AWS::ApiGateway::Resource").values()
    )
    assert paths == ["health", "items", "live", "parts", "reports", "{itemId}", "{partId}"]


def test_one_invoke_permission_per_route_and_none_for_test_invoke(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    permissions = default.template.find_resources("AWS::Lambda::Permission").values()
    source_arns = [json.dumps(permission["Properties"]["SourceArn"]) for permission in permissions]
    assert len(source_arns) == len(ROUTES)
    assert not any("test-invoke-stage" in arn for arn in source_arns)


def test_request_validator_checks_parameters_and_bodies(default: SynthesizedBlock[CognitoRestApi]) -> None:
    default.template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator",
        {"ValidateRequestParameters": True, "ValidateRequestBody": True},
    )


def test_every_gateway_error_has_the_json_shape(default: SynthesizedBlock[CognitoRestApi]) -> None:
    responses = _gateway_responses(default)
    assert len(responses) == len(GATEWAY_ERROR_RESPONSES)
    for expected in GATEWAY_ERROR_RESPONSES:
        response = responses[expected.response_type.response_type]
        assert response.get("StatusCode") == expected.status_code
        body = _rendered_body(response["ResponseTemplates"]["application/json"])
        assert body == {"error": expected.error, "message": 'Say "hi"'}
        assert "ResponseParameters" not in response


def test_required_error_codes_are_mapped(default: SynthesizedBlock[CognitoRestApi]) -> None:
    responses = _gateway_responses(default)
    assert {
        response_type: (responses[response_type]["StatusCode"], _error_code(responses[response_type]))
        for response_type in ("UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "REQUEST_TOO_LARGE")
    } == {
        "UNAUTHORIZED": ("401", "unauthorized"),
        "ACCESS_DENIED": ("403", "forbidden"),
        "THROTTLED": ("429", "throttled"),
        "REQUEST_TOO_LARGE": ("413", "payload_too_large"),
    }
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)


def _error_code(response: dict[str, Any]) -> str:
    return _rendered_body(response["ResponseTemplates"]["application/json"])["error"]


def test_default_has_no_cors_preflight(default: SynthesizedBlock[CognitoRestApi]) -> None:
    assert _methods(default, "OPTIONS") == []


def test_default_sets_up_the_execution_log_role_and_keeps_it(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    default.template.has_resource("AWS::ApiGateway::Account", {"DeletionPolicy": "Retain"})
    default.template.has_resource_properties(
        "AWS::IAM::Role",
        {"ManagedPolicyArns": [Match.object_like({"Fn::Join": Match.any_value()})]},
    )


def test_default_has_no_web_acl(default: SynthesizedBlock[CognitoRestApi]) -> None:
    default.template.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)
    assert default.block.web_acl_association is None


def test_default_exposes_its_resources(default: SynthesizedBlock[CognitoRestApi]) -> None:
    block = default.block
    assert isinstance(block.api, apigw.RestApi)
    assert isinstance(block.authorizer, apigw.CognitoUserPoolsAuthorizer)
    assert block.stage.node.path == block.api.deployment_stage.node.path
    assert isinstance(block.access_log_group, logs.LogGroup)
    assert block.url == block.api.url


def test_default_is_nag_clean_with_justified_acknowledgments(
    default: SynthesizedBlock[CognitoRestApi],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert_acknowledgments_justified(default.stack)
    by_rule = {(ack.rule_id, ack.construct_path.split("/")[-2]) for ack in acknowledgments(default.stack)}
    assert ("AwsSolutions-APIG4", "health") in by_rule
    assert ("AwsSolutions-COG4", "health") in by_rule
    assert {rule for rule, _ in by_rule} == {
        "AwsSolutions-APIG3",
        "AwsSolutions-APIG4",
        "AwsSolutions-COG4",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
    }


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[CognitoRestApi]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[CognitoRestApi]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_stage_settings(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    stage = _stage(overridden)
    assert (stage["StageName"], stage["TracingEnabled"]) == ("prod", False)
    assert _method_settings(overridden)[("*", "/*")] == {
        "HttpMethod": "*",
        "ResourcePath": "/*",
        "ThrottlingRateLimit": 10,
        "ThrottlingBurstLimit": 20,
        "LoggingLevel": "INFO",
        "MetricsEnabled": False,
        "DataTraceEnabled": False,
        "CachingEnabled": False,
    }


def test_override_route_settings_repeat_the_stage_logging_and_metrics(
    overridden: SynthesizedBlock[CognitoRestApi],
) -> None:
    settings = _method_settings(overridden)
    assert len(settings) > 1
    for setting in settings.values():
        assert (setting["LoggingLevel"], setting["MetricsEnabled"], setting["DataTraceEnabled"]) == (
            "INFO",
            False,
            False,
        )


def test_override_cache_size_ttl_and_encryption(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    stage = _stage(overridden)
    assert (stage["CacheClusterEnabled"], stage["CacheClusterSize"]) == (True, "1.6")
    cached = [setting for setting in stage["MethodSettings"] if setting["CachingEnabled"]]
    assert len(cached) == len(CACHED_ROUTES)
    assert all(setting["CacheTtlInSeconds"] == 300 for setting in cached)
    assert all(setting["CacheDataEncrypted"] is False for setting in cached)


def test_override_api_name_description_and_endpoint(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    overridden.template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "Name": "items-api",
            "Description": "Items for the example app",
            "EndpointConfiguration": {"Types": ["EDGE"]},
        },
    )


def test_override_access_log_retention_and_removal(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    overridden.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Delete"},
    )


def test_override_without_cloud_watch_role_leaves_account_settings_alone(
    overridden: SynthesizedBlock[CognitoRestApi],
) -> None:
    overridden.template.resource_count_is("AWS::ApiGateway::Account", 0)
    overridden.template.resource_count_is("AWS::IAM::Role", 0)


def test_override_cors_preflight_on_every_resource(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    preflights = _methods(overridden, "OPTIONS")
    assert len(preflights) == len(
        [
            "/",
            "/health",
            "/items",
            "/items/{itemId}",
            "/items/{itemId}/parts",
            "/items/{itemId}/parts/{partId}",
            "/reports",
            "/live",
        ]
    )
    assert all(method["AuthorizationType"] == "NONE" for method in preflights)
    allowed_headers = preflights[0]["Integration"]["IntegrationResponses"][0]["ResponseParameters"][
        "method.response.header.Access-Control-Allow-Headers"
    ]
    assert allowed_headers == "'Content-Type,Authorization,Idempotency-Key'"


def test_override_gateway_errors_echo_an_allowed_origin(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    for response in _gateway_responses(overridden).values():
        assert response["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin",
            "gatewayresponse.header.Vary": "'Origin'",
        }


def test_single_origin_gateway_errors_name_that_origin(
    single_origin: SynthesizedBlock[CognitoRestApi],
) -> None:
    for response in _gateway_responses(single_origin).values():
        assert response["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGINS[0]}'"
        }


def test_single_origin_variant_is_nag_clean(single_origin: SynthesizedBlock[CognitoRestApi]) -> None:
    assert_nag_clean(single_origin.nag_findings)


def test_override_web_acl_is_associated_with_the_stage(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    stage_id = _logical_id(overridden, overridden.block.stage)
    (association,) = overridden.template.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == WEB_ACL_ARN
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert "AwsSolutions-APIG3" not in {finding.rule_id for finding in overridden.nag_findings}
    assert "AwsSolutions-APIG3" not in {ack.rule_id for ack in acknowledgments(overridden.stack)}


def test_override_warns_about_each_weakened_default(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    assert weakened_defaults(overridden.stack) == {"tracing_enabled", "cache_encrypted"}


def test_wildcard_origin_and_silenced_logs_warn() -> None:
    stack = Stack()
    api = _build_api(stack, cors_allow_origins=("*",), logging_level=apigw.MethodLoggingLevel.OFF)
    assert weakened_defaults(api) == {"cors_allow_origins", "logging_level"}


def test_route_path_must_be_absolute() -> None:
    stack = Stack()
    api = _build_api(stack)
    with pytest.raises(InvalidRoutePathError, match="must start with '/'"):
        api.add_route("GET", "items", imported_function(stack, "Other"))


def test_add_route_returns_the_method_it_created() -> None:
    stack = Stack()
    api = _build_api(stack)
    method = api.add_route("DELETE", "/items/{itemId}", imported_function(stack, "Other"))
    assert isinstance(method, apigw.Method)
    assert (method.http_method, method.resource.path) == ("DELETE", "/items/{itemId}")


def test_cached_stage_has_a_cache_cluster_but_no_stage_wide_caching(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    stage = _stage(cached)
    assert (stage["CacheClusterEnabled"], stage["CacheClusterSize"]) == (True, "0.5")
    assert _method_settings(cached)[("*", "/*")]["CachingEnabled"] is False


def test_cached_methods_are_exactly_the_protected_cacheable_gets(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    caching = {route for route, setting in _method_settings(cached).items() if setting.get("CachingEnabled")}
    assert caching == CACHED_ROUTES


def test_every_cached_method_keys_its_cache_on_the_caller_and_every_parameter(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    settings = _method_settings(cached)
    query_parameters = {(route.method, route.path): route.query_parameters for route in ROUTES}
    checked = 0
    for route, method in _methods_by_route(cached).items():
        if not settings.get(route, {}).get("CachingEnabled"):
            continue
        path_parameters = re.findall(r"\{(\w+)\}", route[1])
        expected = {
            AUTHORIZATION_KEY,
            *(f"method.request.path.{name}" for name in path_parameters),
            *(f"method.request.querystring.{name}" for name in query_parameters[route]),
        }
        integration = method["Integration"]
        assert expected <= set(integration["CacheKeyParameters"]), route
        for key in expected:
            # API Gateway only accepts declared parameters that are mapped onto the integration request.
            assert key in method["RequestParameters"], (route, key)
            assert integration["RequestParameters"][key.replace("method.", "integration.", 1)] == key
        checked += 1
    assert checked == len(CACHED_ROUTES)


def test_every_cached_method_is_encrypted_with_the_default_ttl(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    for route in CACHED_ROUTES:
        setting = _method_settings(cached)[route]
        assert (setting["CacheDataEncrypted"], setting["CacheTtlInSeconds"]) == (True, 60), route


def test_writes_public_and_uncacheable_routes_are_never_cached(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    settings = _method_settings(cached)
    uncached = [
        (route.method, route.path) for route in ROUTES if (route.method, route.path) not in CACHED_ROUTES
    ]
    assert ("POST", "/items") in uncached
    for route in uncached:
        assert not settings.get(route, {}).get("CachingEnabled"), route
        assert "CacheKeyParameters" not in _methods_by_route(cached)[route]["Integration"], route


def test_cached_route_keeps_its_own_throttle(cached: SynthesizedBlock[CognitoRestApi]) -> None:
    setting = _method_settings(cached)[("GET", "/reports")]
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"], setting["CachingEnabled"]) == (
        1,
        2,
        True,
    )


def test_cached_variant_is_nag_and_lint_clean_and_warns_about_nothing(
    cached: SynthesizedBlock[CognitoRestApi],
) -> None:
    assert_nag_clean(cached.nag_findings)
    assert lint_template(cached.template.to_json()) == []
    assert weakened_defaults(cached.stack) == set()


def test_cached_root_route_names_the_root_in_its_setting() -> None:
    stack = Stack()
    api = _build_api(stack, cache_cluster_size="0.5")
    api.add_route("GET", "/", imported_function(stack, "Root"))
    (stage,) = Template.from_stack(stack).find_resources(STAGE).values()
    root = [setting for setting in stage["Properties"]["MethodSettings"] if setting["ResourcePath"] == "/"]
    assert [(setting["HttpMethod"], setting["CachingEnabled"]) for setting in root] == [("GET", True)]


def test_unknown_cache_size_is_refused() -> None:
    with pytest.raises(InvalidCacheClusterSizeError, match=r"use one of 0\.5, 1\.6"):
        _build_api(Stack(), cache_cluster_size="2")


def test_with_cors_the_origin_joins_every_cache_key(overridden: SynthesizedBlock[CognitoRestApi]) -> None:
    settings = _method_settings(overridden)
    cached = [
        method
        for route, method in _methods_by_route(overridden).items()
        if settings.get(route, {}).get("CachingEnabled")
    ]
    assert len(cached) == len(CACHED_ROUTES)
    for method in cached:
        # A handler's Access-Control-Allow-Origin depends on the Origin; API Gateway's cache ignores Vary.
        assert ORIGIN_KEY in method["Integration"]["CacheKeyParameters"]
        assert method["RequestParameters"][ORIGIN_KEY] is False
        assert method["Integration"]["RequestParameters"]["integration.request.header.Origin"] == ORIGIN_KEY


def test_without_cors_the_origin_is_no_cache_key(cached: SynthesizedBlock[CognitoRestApi]) -> None:
    for method in _methods_by_route(cached).values():
        assert ORIGIN_KEY not in method.get("Integration", {}).get("CacheKeyParameters", [])
