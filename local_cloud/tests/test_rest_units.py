"""The REST gateway's parts on their own: template loading, routing, throttling, claims, proxy replies."""

import logging
from pathlib import Path
from typing import Any

import pytest
from fakes import records_of
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.gateway.rest.cognito_authorizer import render_claims
from cdk_local_cloud.gateway.rest.deployment import load_rest_apis
from cdk_local_cloud.gateway.rest.mapping import MappingSources, render_template, resolve_expression
from cdk_local_cloud.gateway.rest.model import (
    Authorization,
    LambdaProxyIntegration,
    Method,
    ResourceNode,
    Stage,
    ThrottleLimits,
)
from cdk_local_cloud.gateway.rest.proxy import MalformedProxyResponseError, parse_proxy_response
from cdk_local_cloud.gateway.rest.request import IncomingRequest
from cdk_local_cloud.gateway.rest.routing import match_route
from cdk_local_cloud.gateway.rest.throttling import StageThrottle

API_ID = "unitapi001"
INVOCATION_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:unit-fn/invocations"
)


def _resource(logical_id: str, resource_type: str, physical_id: str, **properties: Any) -> Resource:
    return Resource("UnitStack", logical_id, f"AWS::ApiGateway::{resource_type}", properties, physical_id)


def _deployment(*resources: Resource, root_attribute: bool = True) -> Deployment:
    api = Resource(
        "UnitStack",
        "Api",
        "AWS::ApiGateway::RestApi",
        {"Name": "unit"},
        API_ID,
        {"RootResourceId": "root"} if root_attribute else {},
    )
    return Deployment(
        region="us-east-1",
        account_id="123456789012",
        aws_endpoint_url="http://127.0.0.1:1",
        cdk_out=Path("cdk.out"),
        resources=(api, *resources),
        outputs={},
        asset_paths={},
    )


def _node(path: str, *children: ResourceNode, methods: tuple[str, ...] = ("GET",)) -> ResourceNode:
    part = path.rsplit("/", 1)[-1]
    node = ResourceNode(resource_id=path, path_part=part, path=path or "/", children=list(children))
    for verb in methods:
        node.methods[verb] = Method(
            http_method=verb,
            resource_id=node.resource_id,
            resource_path=node.path,
            authorization=Authorization(),
            integration=LambdaProxyIntegration(function_arn="fn", timeout_seconds=29),
        )
    return node


TREE = _node(
    "",
    _node(
        "/items",
        _node("/items/special"),
        _node("/items/{id}", _node("/items/{id}/{rest+}", methods=("ANY",)), methods=("GET", "PUT")),
        _node("/items/{any+}", methods=("ANY",)),
    ),
    _node("/{proxy+}", methods=("ANY",)),
)


@pytest.mark.parametrize(
    ("method", "path", "resource", "parameters"),
    [
        ("GET", "/", "/", {}),
        ("GET", "/items/special", "/items/special", {}),
        ("GET", "/items/7", "/items/{id}", {"id": "7"}),
        ("PUT", "/items/special", "/items/{id}", {"id": "special"}),
        ("DELETE", "/items/7", "/items/{any+}", {"any": "7"}),
        ("POST", "/items/7/a/b", "/items/{id}/{rest+}", {"id": "7", "rest": "a/b"}),
        ("GET", "/elsewhere/deep", "/{proxy+}", {"proxy": "elsewhere/deep"}),
    ],
)
def test_routing_prefers_literal_then_parameter_then_greedy(
    method: str, path: str, resource: str, parameters: dict[str, str]
) -> None:
    match = match_route(TREE, [part for part in path.split("/") if part], method)

    assert match is not None
    assert (match.method.resource_path, match.path_parameters) == (resource, parameters)


def test_routing_gives_none_when_no_resource_has_the_method() -> None:
    tree = _node("", _node("/items"), methods=())

    assert match_route(tree, ["items"], "POST") is None
    assert match_route(tree, [], "GET") is None
    assert match_route(tree, ["items", "7"], "GET") is None


def test_loading_builds_the_tree_from_parent_ids_and_finds_the_root_without_its_attribute() -> None:
    deployment = _deployment(
        _resource("Items", "Resource", "res-items", ParentId="root", PathPart="items", RestApiId=API_ID),
        _resource("Item", "Resource", "res-item", ParentId="res-items", PathPart="{id}", RestApiId=API_ID),
        _resource(
            "GetItem",
            "Method",
            "m1",
            RestApiId=API_ID,
            ResourceId="res-item",
            HttpMethod="get",
            AuthorizationType="NONE",
            Integration={"Type": "AWS_PROXY", "Uri": INVOCATION_URI, "TimeoutInMillis": 5000},
        ),
        root_attribute=False,
    )

    api = load_rest_apis(deployment)[API_ID]
    match = match_route(api.root, ["items", "9"], "GET")

    assert api.root.resource_id == "root"
    assert match is not None
    assert match.method.resource_path == "/items/{id}"
    assert match.method.integration == LambdaProxyIntegration(
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:unit-fn", timeout_seconds=5.0
    )


def test_loading_reads_stages_and_their_throttling_with_escaped_paths() -> None:
    deployment = _deployment(
        _resource(
            "Deployment",
            "Deployment",
            "dep1",
            RestApiId=API_ID,
            StageName="dev",
            StageDescription={"ThrottlingRateLimit": 5, "Variables": {"a": "b"}},
        ),
        _resource(
            "Stage",
            "Stage",
            "prod",
            RestApiId=API_ID,
            StageName="prod",
            MethodSettings=[
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": 20,
                    "ThrottlingBurstLimit": 40,
                },
                {"ResourcePath": "/~1boards~1{id}", "HttpMethod": "POST", "ThrottlingBurstLimit": 5},
            ],
        ),
    )

    stages = load_rest_apis(deployment)[API_ID].stages

    assert stages["dev"].variables == {"a": "b"}
    assert stages["dev"].throttling == {("/*", "*"): ThrottleLimits(rate_per_second=5, burst=5000)}
    assert stages["prod"].throttling == {
        ("/*", "*"): ThrottleLimits(rate_per_second=20, burst=40),
        ("/boards/{id}", "POST"): ThrottleLimits(rate_per_second=10_000, burst=5),
    }


def test_loading_warns_once_about_caching_and_unsupported_integrations(
    caplog: pytest.LogCaptureFixture,
) -> None:
    http_method = {"RestApiId": API_ID, "ResourceId": "root", "Integration": {"Type": "HTTP_PROXY"}}
    deployment = _deployment(
        _resource("Get", "Method", "m1", HttpMethod="GET", **http_method),
        _resource("Put", "Method", "m2", HttpMethod="PUT", **http_method),
        _resource("Stage", "Stage", "v1", RestApiId=API_ID, StageName="v1", CacheClusterEnabled=True),
    )

    with caplog.at_level(logging.WARNING):
        load_rest_apis(deployment)

    messages = [record.getMessage() for record in records_of(caplog, "cdk_local_cloud")]
    assert len([message for message in messages if "caching" in message]) == 1
    assert len([message for message in messages if "HTTP_PROXY" in message]) == 1


def test_throttle_gives_each_method_its_own_bucket_and_refills_with_time() -> None:
    now = [0.0]
    stage = Stage(
        name="v1",
        variables={},
        throttling={
            ("/*", "*"): ThrottleLimits(rate_per_second=1, burst=1),
            ("/hot", "GET"): ThrottleLimits(rate_per_second=2, burst=2),
        },
    )
    throttle = StageThrottle(stage, clock=lambda: now[0])

    verdicts = [throttle.allow("/hot", "GET") for _ in range(3)]
    other_method = [throttle.allow("/cold", "GET"), throttle.allow("/cold", "GET")]
    now[0] = 0.5
    after_refill = throttle.allow("/hot", "GET")

    assert verdicts == [True, True, False]
    assert other_method == [True, False]
    assert after_refill is True


def test_claims_are_rendered_as_api_gateway_renders_them() -> None:
    claims = render_claims(
        {
            "sub": "u-1",
            "cognito:groups": ["admins", "editors"],
            "email_verified": True,
            "auth_time": 1_680_629_979,
            "exp": 1_680_633_579,
            "iat": 1_680_629_979,
        }
    )

    assert claims == {
        "sub": "u-1",
        "cognito:groups": "admins,editors",
        "email_verified": "true",
        "auth_time": "1680629979",
        "exp": "Tue Apr 04 18:39:39 UTC 2023",
        "iat": "Tue Apr 04 17:39:39 UTC 2023",
    }


@pytest.mark.parametrize(
    "payload",
    [
        "not an object",
        {"body": "no status"},
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"json": "not dumped"}},
        {"statusCode": 200, "headers": {"X-A": {"nested": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X-A": "not a list"}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True, "headers": {"Content-Type": "image/png"}},
    ],
)
def test_malformed_proxy_responses_are_refused(payload: Any) -> None:
    with pytest.raises(MalformedProxyResponseError, match="Malformed Lambda proxy response"):
        parse_proxy_response(payload, accept=None, binary_media_types=("image/png",))


def test_proxy_response_merges_headers_and_defaults_the_content_type() -> None:
    reply = parse_proxy_response(
        {
            "statusCode": "201",
            "headers": {"X-One": "1", "Set-Cookie": "ignored=1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "created",
        },
        accept=None,
        binary_media_types=(),
    )

    assert reply.status == 201
    assert sorted(reply.headers) == [
        ("Content-Type", "application/json"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-One", "1"),
    ]
    assert reply.body == b"created"


def test_base64_body_stays_text_unless_a_binary_media_type_matches() -> None:
    payload = {"statusCode": 200, "body": "AAE=", "isBase64Encoded": True, "headers": {"Content-Type": "x/y"}}

    as_text = parse_proxy_response(payload, accept=None, binary_media_types=())
    as_binary = parse_proxy_response(payload, accept="image/png", binary_media_types=("image/*",))

    assert (as_text.body, as_binary.body) == (b"AAE=", b"\x00\x01")


def _sources() -> MappingSources:
    request = IncomingRequest(
        api_id=API_ID,
        stage="v1",
        http_method="GET",
        path="/things",
        headers=CIMultiDictProxy(CIMultiDict({"Origin": "http://app.test"})),
        query=MultiDictProxy(MultiDict({"q": "1"})),
        body=b"",
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="127.0.0.1:1",
        account_id="123456789012",
        region="us-east-1",
    )
    return MappingSources(
        request=request,
        context={"requestId": "r-1", "error.messageString": '"Nope"'},
        path_parameters={"id": "7"},
        stage_variables={"color": "blue"},
    )


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("'http://localhost:5173'", "http://localhost:5173"),
        ("method.request.header.origin", "http://app.test"),
        ("method.request.querystring.q", "1"),
        ("method.request.path.id", "7"),
        ("stageVariables.color", "blue"),
        ("context.requestId", "r-1"),
        ("method.request.header.Missing", None),
    ],
)
def test_mapping_expressions_read_literals_and_the_request(expression: str, value: str | None) -> None:
    assert resolve_expression(expression, _sources()) == value


def test_templates_substitute_bare_and_braced_variables() -> None:
    rendered = render_template(
        '{"m": $context.error.messageString, "id": "${context.requestId}", "c": "$stageVariables.color", '
        '"u": "$context.unknown"}',
        _sources(),
    )

    assert rendered == '{"m": "Nope", "id": "r-1", "c": "blue", "u": ""}'
