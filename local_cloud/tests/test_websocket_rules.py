"""The WebSocket gateway's rules on their own: template reading, policies, route selection, event shapes.

No server here: each rule is checked directly, with the cases that the end-to-end tests do not reach.
"""

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.gateway.execute_api_policy import MalformedPolicyError, policy_allows
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker
from cdk_local_cloud.gateway.websocket.definitions import (
    IdentitySource,
    IdentitySourceLocation,
    WebSocketApi,
    WebSocketAuthorizer,
    WebSocketRoute,
    websocket_apis,
)
from cdk_local_cloud.gateway.websocket.events import (
    ConnectionContext,
    GatewayRequest,
    Handshake,
    message_event,
)
from cdk_local_cloud.gateway.websocket.handshake import ConnectAdmission, HandshakeRefusedError
from cdk_local_cloud.gateway.websocket.route_selection import RouteSelector

METHOD_ARN = f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:abc123/v1/$connect"
FUNCTION = f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:App-Fn"


# --- policies -------------------------------------------------------------------------------------------


def _statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    "statements",
    [
        [_statement("Allow", METHOD_ARN)],
        [_statement("Allow", f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:abc123/*")],
        [_statement("Allow", f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:abc123/v?/$connect")],
        [_statement("Allow", ["arn:aws:execute-api:*:*:other/*", METHOD_ARN])],
        [_statement("Allow", METHOD_ARN, action="Execute-API:invoke")],
        [_statement("Allow", "*", action="execute-api:*")],
        [_statement("Deny", "arn:aws:execute-api:*:*:abc123/prod/*"), _statement("Allow", "*")],
    ],
)
def test_a_matching_allow_lets_the_call_through(statements: list[dict[str, Any]]) -> None:
    assert policy_allows({"Version": "2012-10-17", "Statement": statements}, METHOD_ARN)


@pytest.mark.parametrize(
    "statements",
    [
        [],
        [_statement("Allow", METHOD_ARN.replace("/v1/", "/prod/"))],
        [_statement("Allow", METHOD_ARN, action="execute-api:ManageConnections")],
        [_statement("Allow", "*"), _statement("Deny", METHOD_ARN)],
        [_statement("Deny", METHOD_ARN)],
    ],
)
def test_no_matching_allow_or_a_matching_deny_refuses(statements: list[dict[str, Any]]) -> None:
    assert not policy_allows({"Statement": statements}, METHOD_ARN)


def test_a_single_statement_object_is_a_statement_list_of_one() -> None:
    assert policy_allows({"Statement": _statement("Allow", METHOD_ARN)}, METHOD_ARN)


@pytest.mark.parametrize(
    "document",
    [
        None,
        "Allow",
        {"Version": "2012-10-17"},
        {"Statement": [_statement("Maybe", METHOD_ARN)]},
        {"Statement": [_statement("Allow", 42)]},
        {"Statement": [{"Effect": "Allow", "Resource": METHOD_ARN}]},
    ],
)
def test_a_document_that_cannot_be_evaluated_is_malformed(document: Any) -> None:
    with pytest.raises(MalformedPolicyError, match="Return a document with a Statement"):
        policy_allows(document, METHOD_ARN)


# --- route selection ------------------------------------------------------------------------------------

ROUTE_KEYS = ("$connect", "$disconnect", "$default", "send", "nested")


@pytest.mark.parametrize(
    ("expression", "body", "route_key"),
    [
        ("$request.body.action", '{"action": "send"}', "send"),
        ("${request.body.action}", '{"action": "send"}', "send"),
        ("$request.body.message.type", '{"message": {"type": "nested"}}', "nested"),
        ("$request.body.message.type", '{"message": "nested"}', "$default"),
        ("$request.body.action", '{"action": "$disconnect"}', "$default"),
        ("$request.body.action", '{"action": "SEND"}', "$default"),
        ("$request.body.action", "send", "$default"),
    ],
)
def test_the_expression_selects_the_route(expression: str, body: str, route_key: str) -> None:
    assert RouteSelector("api", expression, ROUTE_KEYS).route_key(body) == route_key


def test_without_default_an_unrouted_message_has_no_route() -> None:
    selector = RouteSelector("api", "$request.body.action", ("send",))

    assert selector.route_key('{"action": "send"}') == "send"
    assert selector.route_key('{"action": "other"}') is None


def test_an_expression_that_is_not_emulated_is_warned_about_and_routes_to_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        selector = RouteSelector("chat", "$request.header.X-Action", ROUTE_KEYS)

    assert selector.route_key('{"action": "send"}') == "$default"
    assert "route selection expression '$request.header.X-Action' is not emulated" in caplog.text


# --- reading the template -------------------------------------------------------------------------------


def _uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _deployment(*resources: tuple[str, str, Mapping[str, Any], str]) -> Deployment:
    return Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url="http://127.0.0.1:1",
        cdk_out=Path("cdk.out"),
        resources=tuple(Resource("App", *resource) for resource in resources),
        outputs={},
        asset_paths={},
    )


_API = ("Api", "AWS::ApiGatewayV2::Api", {"Name": "chat", "ProtocolType": "WEBSOCKET"}, "api1")
_STAGE = ("Stage", "AWS::ApiGatewayV2::Stage", {"ApiId": "api1", "StageName": "v1"}, "stage1")


def _integration(physical_id: str, integration_type: str, uri: str) -> tuple[str, str, dict[str, Any], str]:
    properties = {"ApiId": "api1", "IntegrationType": integration_type, "IntegrationUri": uri}
    return (f"Int{physical_id}", "AWS::ApiGatewayV2::Integration", properties, physical_id)


def _route(key: str, target: str, **properties: Any) -> tuple[str, str, dict[str, Any], str]:
    route_properties = {"ApiId": "api1", "RouteKey": key, "Target": target, **properties}
    return (f"Route{key.strip('$')}", "AWS::ApiGatewayV2::Route", route_properties, f"route-{key}")


def test_routes_are_read_with_their_function_authorizer_and_direction() -> None:
    authorizer_properties = {
        "ApiId": "api1",
        "AuthorizerType": "REQUEST",
        "AuthorizerUri": _uri(FUNCTION + "-auth"),
        "IdentitySource": ["route.request.header.Authorization", "stageVariables.secret"],
        "Name": "Auth",
    }
    deployment = _deployment(
        _API,
        _STAGE,
        ("Auth", "AWS::ApiGatewayV2::Authorizer", authorizer_properties, "auth1"),
        _integration("int1", "AWS_PROXY", _uri(FUNCTION)),
        _route("$connect", "integrations/int1", AuthorizationType="CUSTOM", AuthorizerId="auth1"),
        _route("echo", "integrations/int1", RouteResponseSelectionExpression="$default"),
        ("HttpApi", "AWS::ApiGatewayV2::Api", {"Name": "http", "ProtocolType": "HTTP"}, "api2"),
    )

    (api,) = websocket_apis(deployment)

    assert (api.api_id, api.name, dict(api.stages)) == ("api1", "chat", {"v1": {}})
    assert api.routes["$connect"] == WebSocketRoute(
        key="$connect",
        function=FUNCTION,
        authorizer=WebSocketAuthorizer(
            name="Auth",
            function=FUNCTION + "-auth",
            identity_sources=(
                IdentitySource(IdentitySourceLocation.HEADER, "Authorization"),
                IdentitySource(IdentitySourceLocation.STAGE_VARIABLE, "secret"),
            ),
        ),
    )
    assert api.routes["echo"] == WebSocketRoute(key="echo", function=FUNCTION, two_way=True)


def test_what_is_not_emulated_is_warned_about_once_and_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    deployment = _deployment(
        _API,
        _STAGE,
        _integration("http1", "HTTP_PROXY", "https://example.com/hook"),
        _route("$connect", "integrations/http1", AuthorizationType="CUSTOM", AuthorizerId="nowhere"),
        _route("iam", "integrations/missing", AuthorizationType="AWS_IAM", ApiKeyRequired=True),
    )

    with caplog.at_level(logging.WARNING):
        (api,) = websocket_apis(deployment)

    assert api.routes["$connect"].function is None
    assert api.routes["$connect"].authorizer == WebSocketAuthorizer(name="(missing)", function=None)
    assert api.routes["iam"].function is None
    assert "only Lambda proxy (AWS_PROXY) integrations are emulated, not HTTP_PROXY" in caplog.text
    assert "CUSTOM authorizer is not in the template" in caplog.text
    assert "AuthorizationType AWS_IAM is not checked locally" in caplog.text
    assert "ApiKeyRequired is not checked locally" in caplog.text
    assert "route iam has no integration" in caplog.text


def test_an_api_without_a_stage_is_not_served(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert websocket_apis(_deployment(_API)) == ()

    assert "WebSocket API chat (api1) has no Stage, so it is not served." in caplog.text


# --- $connect with other identity sources ---------------------------------------------------------------


class _AllowingInvoker:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def invoke(self, function: str, event: Any) -> InvocationResult:
        self.events.append(event)
        if function == FUNCTION:
            return InvocationResult(payload={"statusCode": 200})
        statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": event["methodArn"]}
        return InvocationResult(payload={"principalId": "p-1", "policyDocument": {"Statement": [statement]}})


def _admit(sources: tuple[IdentitySource, ...], headers: tuple[tuple[str, str], ...]) -> _AllowingInvoker:
    invoker = _AllowingInvoker()
    authorizer = WebSocketAuthorizer(name="Auth", function=FUNCTION + "-auth", identity_sources=sources)
    api = WebSocketApi(
        api_id="abc123",
        name="chat",
        route_selection_expression="$request.body.action",
        stages={"v1": {"secret": "s3cr3t"}},
        routes={"$connect": WebSocketRoute(key="$connect", function=FUNCTION, authorizer=authorizer)},
    )
    threaded = ThreadedInvoker(invoker, max_concurrent=1)
    admission = ConnectAdmission(api, threaded, region=REGION, account_id=FAKE_ACCOUNT_ID)
    connection = ConnectionContext(
        api_id="abc123", stage="v1", domain_name="d", source_ip="10.0.0.1", user_agent=None
    )
    try:
        asyncio.run(admission.admit(connection, GatewayRequest(), Handshake(headers=headers, query=())))
    finally:
        threaded.close()
    return invoker


def test_a_header_identity_source_is_matched_case_insensitively() -> None:
    invoker = _admit(
        (
            IdentitySource(IdentitySourceLocation.HEADER, "Authorization"),
            IdentitySource(IdentitySourceLocation.STAGE_VARIABLE, "secret"),
        ),
        (("authorization", "Bearer t"),),
    )

    authorizer_event, connect_event = invoker.events
    assert authorizer_event["headers"] == {"authorization": "Bearer t"}
    assert authorizer_event["methodArn"] == METHOD_ARN
    assert connect_event["requestContext"]["authorizer"]["principalId"] == "p-1"


@pytest.mark.parametrize(
    "source",
    [
        IdentitySource(IdentitySourceLocation.HEADER, "Authorization"),
        IdentitySource(IdentitySourceLocation.STAGE_VARIABLE, "absent"),
    ],
)
def test_a_missing_header_or_stage_variable_is_401(source: IdentitySource) -> None:
    with pytest.raises(HandshakeRefusedError) as refused:
        _admit((source,), (("X-Other", "1"),))

    assert (refused.value.status, refused.value.body) == (401, '{"message": "Unauthorized"}')


# --- event shapes ---------------------------------------------------------------------------------------


def test_times_are_in_api_gateways_formats() -> None:
    connected_at = datetime(2020, 4, 9, 18, 20, 13, 522000, tzinfo=UTC)
    connection = ConnectionContext(
        api_id="abc123",
        stage="v1",
        domain_name="abc123.execute-api.us-east-1.amazonaws.com",
        source_ip="192.0.2.1",
        user_agent=None,
        connection_id="L0SM9cOFvHcCIhw=",
        connected_at=connected_at,
    )
    request = GatewayRequest(received_at=datetime(2020, 4, 9, 18, 21, 2, 404000, tzinfo=UTC))

    context = message_event(connection, request, route_key="send", body="{}", authorizer=None)[
        "requestContext"
    ]

    assert context["requestTime"] == "09/Apr/2020:18:21:02 +0000"
    assert (context["connectedAt"], context["requestTimeEpoch"]) == (1586456413522, 1586456462404)
    assert context["identity"] == {"sourceIp": "192.0.2.1"}
