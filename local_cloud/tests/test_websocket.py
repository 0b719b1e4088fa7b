"""The WebSocket gateway end to end: a real aiohttp server, the ``websockets`` client and boto3.

The deployment is built by hand (one chat API with an authorizer and a second, open API routed by a
dotted path), and a fake invoker plays the functions: it records every event and answers by a canned
rule, so each test can check both what a client sees and what a function would have received.
"""

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import boto3
import pytest
from aiohttp import web
from botocore.config import Config
from fakes import FAKE_ACCOUNT_ID, REGION, free_port
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult
from cdk_local_cloud.gateway.server import RunningGateway, run_gateway
from cdk_local_cloud.gateway.websocket.api import add_websocket_apis

CHAT_API = "chatapi001"
OPEN_API = "openapi002"
STAGE = "v1"


def _function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:Chat-{name}"


AUTHORIZER = _function_arn("Authorizer")
CONNECT = _function_arn("Connect")
DISCONNECT = _function_arn("Disconnect")
DEFAULT = _function_arn("Default")
ECHO = _function_arn("Echo")
NOTIFY = _function_arn("Notify")
EXPLODE = _function_arn("Explode")
CALLBACK = _function_arn("Callback")
PICTURE = _function_arn("Picture")
SLOW = _function_arn("Slow")
HELLO = _function_arn("Hello")
WAIT_SECONDS = 10


# --- the deployment -------------------------------------------------------------------------------------


def _resource(
    logical_id: str, resource_type: str, properties: Mapping[str, Any], physical_id: str
) -> Resource:
    return Resource("Chat", logical_id, resource_type, properties, physical_id)


def _invocation_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _api(api_id: str, selection_expression: str) -> list[Resource]:
    return [
        _resource(
            f"Api{api_id}",
            "AWS::ApiGatewayV2::Api",
            {"Name": api_id, "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": selection_expression},
            api_id,
        ),
        _resource(
            f"Stage{api_id}",
            "AWS::ApiGatewayV2::Stage",
            {"ApiId": api_id, "StageName": STAGE, "StageVariables": {"tier": "local"}},
            f"{api_id}-{STAGE}",
        ),
    ]


def _route(api_id: str, key: str, function_arn: str, **route_properties: Any) -> list[Resource]:
    name = key.strip("$")
    integration_id = f"{api_id}-int-{name}"
    return [
        _resource(
            f"Integration{name}",
            "AWS::ApiGatewayV2::Integration",
            {
                "ApiId": api_id,
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": _invocation_uri(function_arn),
            },
            integration_id,
        ),
        _resource(
            f"Route{name}",
            "AWS::ApiGatewayV2::Route",
            {
                "ApiId": api_id,
                "RouteKey": key,
                "Target": f"integrations/{integration_id}",
                **route_properties,
            },
            f"{api_id}-route-{name}",
        ),
    ]


def _deployment() -> Deployment:
    authorizer = _resource(
        "Authorizer",
        "AWS::ApiGatewayV2::Authorizer",
        {
            "ApiId": CHAT_API,
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": _invocation_uri(AUTHORIZER),
            "IdentitySource": ["route.request.querystring.token"],
            "Name": "TokenAuthorizer",
        },
        "chat-authorizer",
    )
    resources = [
        *_api(CHAT_API, "$request.body.action"),
        authorizer,
        *_route(CHAT_API, "$connect", CONNECT, AuthorizationType="CUSTOM", AuthorizerId="chat-authorizer"),
        *_route(CHAT_API, "$disconnect", DISCONNECT),
        *_route(CHAT_API, "$default", DEFAULT),
        *_route(CHAT_API, "echo", ECHO, RouteResponseSelectionExpression="$default"),
        *_route(CHAT_API, "notify", NOTIFY),
        *_route(CHAT_API, "explode", EXPLODE),
        *_route(CHAT_API, "callback", CALLBACK),
        *_route(CHAT_API, "picture", PICTURE, RouteResponseSelectionExpression="$default"),
        *_route(CHAT_API, "slow", SLOW),
        *_api(OPEN_API, "$request.body.meta.kind"),
        *_route(OPEN_API, "hello", HELLO, RouteResponseSelectionExpression="$default"),
    ]
    return Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url="http://127.0.0.1:1",
        cdk_out=Path("cdk.out"),
        resources=tuple(resources),
        outputs={},
        asset_paths={},
    )


# --- the functions --------------------------------------------------------------------------------------


def _succeed(payload: Any) -> InvocationResult:
    return InvocationResult(payload=payload)


def _fail(message: str, error_type: str = "Exception") -> InvocationResult:
    return InvocationResult(error=FunctionError(error_type, message))


def _policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def _authorize(event: dict[str, Any]) -> InvocationResult:
    """Answers by the token: each token names one of the outcomes an authorizer can have."""
    token = event["queryStringParameters"]["token"]
    method_arn = event["methodArn"]
    answers = {
        "alice": _succeed(
            {
                "principalId": "user-alice",
                "policyDocument": _policy("Allow", method_arn),
                "context": {"userId": "alice", "admin": True, "quota": 3},
            }
        ),
        "wildcard": _succeed(
            {
                "principalId": "user-wild",
                "policyDocument": _policy(
                    "Allow", f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:{CHAT_API}/*"
                ),
            }
        ),
        "other-stage": _succeed(
            {
                "principalId": "user-x",
                "policyDocument": _policy("Allow", method_arn.replace("/v1/", "/prod/")),
            }
        ),
        "deny": _succeed({"principalId": "user-deny", "policyDocument": _policy("Deny", method_arn)}),
        "expired": _fail("Unauthorized"),
        "crash": _fail("KeyError: 'kid'", "KeyError"),
        "no-policy": _succeed({"principalId": "user-np"}),
        "nested-context": _succeed(
            {
                "principalId": "user-n",
                "policyDocument": _policy("Allow", method_arn),
                "context": {"groups": ["a"]},
            }
        ),
    }
    return answers[token]


def _connect(event: dict[str, Any]) -> InvocationResult:
    headers = {name.lower(): value for name, value in event["headers"].items()}
    if headers.get("x-refuse") == "yes":
        return _succeed({"statusCode": 400, "body": "refused by $connect"})
    if headers.get("x-refuse") == "crash":
        return _fail("connect crashed")
    if "chat.v1" in headers.get("sec-websocket-protocol", ""):
        return _succeed({"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat.v1"}})
    return _succeed({"statusCode": 200})


class FakeInvoker:
    """Plays the deployment's functions; records each event before answering it."""

    def __init__(self, gateway_port: int) -> None:
        self._gateway_port = gateway_port
        self._changed = threading.Condition()
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self.release_slow = threading.Event()
        self._behaviours: dict[str, Callable[[dict[str, Any]], InvocationResult]] = {
            AUTHORIZER: _authorize,
            CONNECT: _connect,
            DISCONNECT: lambda event: _succeed({"statusCode": 200}),
            DEFAULT: lambda event: _succeed({"statusCode": 200, "body": "default ignored: one-way route"}),
            ECHO: lambda event: _succeed({"statusCode": 200, "body": "echo:" + event["body"]}),
            NOTIFY: lambda event: _succeed({"statusCode": 200, "body": "never sent: one-way route"}),
            EXPLODE: lambda event: _fail("division by zero", "ZeroDivisionError"),
            CALLBACK: self._post_back,
            PICTURE: lambda event: _succeed({"statusCode": 200, "body": "/wA=", "isBase64Encoded": True}),
            SLOW: lambda event: _succeed(
                {"statusCode": 200, "released": self.release_slow.wait(WAIT_SECONDS)}
            ),
            HELLO: lambda event: _succeed({"statusCode": 200, "body": "hello back"}),
        }

    def invoke(self, function: str, event: Any) -> InvocationResult:
        with self._changed:
            self._calls.append((function, event))
            self._changed.notify_all()
        return self._behaviours[function](event)

    def reset(self) -> None:
        with self._changed:
            self._calls.clear()

    def events_of(self, function: str) -> list[dict[str, Any]]:
        with self._changed:
            return [event for called, event in self._calls if called == function]

    def wait_for(self, function: str, predicate: Callable[[dict[str, Any]], bool] = bool) -> dict[str, Any]:
        """The first recorded event of ``function`` that satisfies ``predicate``, waiting for it to come."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((event for event in self.events_of(function) if predicate(event)), None),
                timeout=WAIT_SECONDS,
            )
        assert found is not None, f"{function} was not invoked as expected"
        return found

    def disconnect_of(self, connection_id: str) -> dict[str, Any]:
        """The $disconnect event of one connection (another test's may still be on its way)."""
        return self.wait_for(
            DISCONNECT, lambda event: event["requestContext"]["connectionId"] == connection_id
        )

    def _post_back(self, event: dict[str, Any]) -> InvocationResult:
        """Like a real action handler: posts its answer through @connections while it is still running."""
        context = event["requestContext"]
        management_api(self._gateway_port, context["apiId"], context["stage"]).post_to_connection(
            ConnectionId=context["connectionId"], Data=b"posted during the invocation"
        )
        return _succeed({"statusCode": 200})


# --- the server and the clients -------------------------------------------------------------------------


def _start_gateway(invoker: FakeInvoker, port: int) -> RunningGateway:
    """The WebSocket APIs alone on an aiohttp app, served from a thread as the local cloud serves them."""
    app = web.Application()
    add_websocket_apis(app, _deployment(), invoker, host=f"127.0.0.1:{port}")
    return run_gateway(app, port)


def management_api(port: int, api_id: str = CHAT_API, stage: str = STAGE) -> Any:
    return boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{port}/{api_id}/{stage}",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=32),
    )


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[RunningGateway, FakeInvoker]]:
    port = free_port()
    invoker = FakeInvoker(port)
    server = _start_gateway(invoker, port)
    yield server, invoker
    server.stop()


@pytest.fixture
def invoker(gateway: tuple[RunningGateway, FakeInvoker]) -> FakeInvoker:
    gateway[1].reset()
    return gateway[1]


@pytest.fixture
def port(gateway: tuple[RunningGateway, FakeInvoker]) -> int:
    return gateway[0].port


def _open(port: int, query: str = "?token=alice", api_id: str = CHAT_API, **options: Any) -> ClientConnection:
    return connect(
        f"ws://127.0.0.1:{port}/{api_id}/{STAGE}{query}", proxy=None, open_timeout=WAIT_SECONDS, **options
    )


def _refusal(port: int, query: str = "?token=alice", **options: Any) -> tuple[int, Any]:
    with pytest.raises(InvalidStatus) as refused:
        _open(port, query, **options)
    response = refused.value.response
    return response.status_code, json.loads(response.body) if response.body else None


def _connection_id(invoker: FakeInvoker) -> str:
    return str(invoker.wait_for(CONNECT)["requestContext"]["connectionId"])


def _close_code(closed: pytest.ExceptionInfo[ConnectionClosed]) -> int:
    received = closed.value.rcvd
    assert received is not None, "the gateway dropped the link without a close frame"
    return received.code


# --- $connect -------------------------------------------------------------------------------------------


def test_an_allowed_token_connects_and_the_authorizer_gets_api_gateways_request_event(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port, "?token=alice&tag=a&tag=b", additional_headers={"X-Trace": "t-1"}):
        event = invoker.wait_for(AUTHORIZER)

    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:{CHAT_API}/{STAGE}/$connect"
    assert event["queryStringParameters"] == {"token": "alice", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"token": ["alice"], "tag": ["a", "b"]}
    assert event["headers"]["X-Trace"] == "t-1"
    assert event["multiValueHeaders"]["X-Trace"] == ["t-1"]
    assert event["stageVariables"] == {"tier": "local"}
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["messageDirection"]) == (
        "$connect",
        "CONNECT",
        "IN",
    )
    assert (context["apiId"], context["stage"]) == (CHAT_API, STAGE)
    assert context["domainName"] == f"{CHAT_API}.execute-api.{REGION}.amazonaws.com"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"].startswith("Python/")
    assert context["connectionId"]
    assert context["requestId"] != context["extendedRequestId"]
    assert "authorizer" not in context


def test_the_authorizer_context_reaches_connect_messages_and_disconnect(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send(json.dumps({"action": "notify"}))
        message = invoker.wait_for(NOTIFY)
    disconnect = invoker.disconnect_of(connection_id)
    connect_event = invoker.wait_for(CONNECT)

    for event in (connect_event, message, disconnect):
        authorizer = event["requestContext"]["authorizer"]
        assert authorizer["principalId"] == "user-alice"
        assert (authorizer["userId"], authorizer["admin"], authorizer["quota"]) == ("alice", True, 3)
        assert isinstance(authorizer["integrationLatency"], int)
    assert (
        connect_event["requestContext"]["requestId"]
        == invoker.wait_for(AUTHORIZER)["requestContext"]["requestId"]
    )
    assert connect_event["isBase64Encoded"] is False
    assert connect_event["queryStringParameters"] == {"token": "alice"}


def test_a_wildcard_resource_in_the_policy_allows_the_connect(port: int, invoker: FakeInvoker) -> None:
    with _open(port, "?token=wildcard"):
        assert invoker.wait_for(CONNECT)["requestContext"]["authorizer"]["principalId"] == "user-wild"


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("deny", 403, "Forbidden"),
        ("other-stage", 403, "Forbidden"),
        ("expired", 401, "Unauthorized"),
        ("crash", 500, "Internal server error"),
        ("no-policy", 500, "Internal server error"),
        ("nested-context", 500, "Internal server error"),
    ],
)
def test_the_authorizers_answer_decides_the_handshake(
    port: int, invoker: FakeInvoker, token: str, status: int, message: str
) -> None:
    assert _refusal(port, f"?token={token}") == (status, {"message": message})
    assert len(invoker.events_of(AUTHORIZER)) == 1
    assert invoker.events_of(CONNECT) == []


@pytest.mark.parametrize("query", ["", "?token=", "?other=1"])
def test_a_missing_or_empty_identity_source_is_401_without_calling_the_authorizer(
    port: int, invoker: FakeInvoker, query: str
) -> None:
    assert _refusal(port, query) == (401, {"message": "Unauthorized"})
    assert invoker.events_of(AUTHORIZER) == []


def test_the_connect_integrations_status_refuses_the_handshake(port: int, invoker: FakeInvoker) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _open(port, additional_headers={"X-Refuse": "yes"})

    assert refused.value.response.status_code == 400
    assert refused.value.response.body == b"refused by $connect"
    connection_id = _connection_id(invoker)
    assert all(
        event["requestContext"]["connectionId"] != connection_id for event in invoker.events_of(DISCONNECT)
    )


def test_a_failing_connect_function_is_502(port: int) -> None:
    assert _refusal(port, additional_headers={"X-Refuse": "crash"}) == (
        502,
        {"message": "Internal server error"},
    )


def test_an_unknown_stage_is_403(port: int) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{port}/{CHAT_API}/prod?token=alice", proxy=None)

    assert refused.value.response.status_code == 403


def test_a_plain_http_get_on_the_socket_url_asks_for_an_upgrade(port: int) -> None:
    with pytest.raises(HTTPError) as answered:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/{CHAT_API}/{STAGE}")

    assert answered.value.code == 426


def test_an_api_without_connect_route_or_authorizer_accepts_anyone(port: int, invoker: FakeInvoker) -> None:
    with _open(port, "", api_id=OPEN_API) as client:
        client.send(json.dumps({"meta": {"kind": "hello"}}))
        assert client.recv(timeout=WAIT_SECONDS) == "hello back"

    assert "authorizer" not in invoker.wait_for(HELLO)["requestContext"]


def test_the_connect_functions_subprotocol_is_the_sockets(port: int) -> None:
    with _open(port, subprotocols=["chat.v1"]) as client:
        assert client.subprotocol == "chat.v1"


# --- messages -------------------------------------------------------------------------------------------


def test_a_two_way_route_sends_the_functions_body_back(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send('{"action": "echo", "text": "hi"}')
        assert client.recv(timeout=WAIT_SECONDS) == 'echo:{"action": "echo", "text": "hi"}'

    event = invoker.wait_for(ECHO)
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["messageDirection"]) == (
        "echo",
        "MESSAGE",
        "IN",
    )
    assert context["connectionId"] == connection_id
    assert context["messageId"] not in (context["requestId"], context["extendedRequestId"])
    assert context["requestTime"].endswith(" +0000")
    assert context["connectedAt"] <= context["requestTimeEpoch"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"action": "echo", "text": "hi"}', False)


def test_a_base64_body_of_a_two_way_route_is_sent_as_its_bytes(port: int) -> None:
    with _open(port) as client:
        client.send(json.dumps({"action": "picture"}))
        assert client.recv(timeout=WAIT_SECONDS) == b"\xff\x00"


def test_a_one_way_route_sends_nothing_back(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        client.send(json.dumps({"action": "notify"}))
        invoker.wait_for(NOTIFY)
        client.send(json.dumps({"action": "echo"}))
        # The first frame to arrive is the echo: the one-way route sent none before it.
        assert client.recv(timeout=WAIT_SECONDS).startswith("echo:")


DEEPLY_NESTED = '{"action": "echo", "x": ' + "[" * 10_000 + "]" * 10_000 + "}"


@pytest.mark.parametrize(
    "body",
    ["not json", '{"action": "unknown"}', '{"no": "action"}', '{"action": 7}', "[1]", DEEPLY_NESTED],
    ids=["not json", "unknown action", "no action", "action not a string", "an array", "nested 10,000 deep"],
)
def test_what_no_route_selects_goes_to_default(port: int, invoker: FakeInvoker, body: str) -> None:
    with _open(port) as client:
        client.send(body)
        event = invoker.wait_for(DEFAULT)

    assert (event["requestContext"]["routeKey"], event["body"]) == ("$default", body)


def test_a_lifecycle_route_key_in_a_message_goes_to_default(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        client.send(json.dumps({"action": "$connect"}))
        invoker.wait_for(DEFAULT)

    assert len(invoker.events_of(CONNECT)) == 1


def test_no_route_and_no_default_is_the_forbidden_frame(port: int, invoker: FakeInvoker) -> None:
    with _open(port, "", api_id=OPEN_API) as client:
        client.send(json.dumps({"meta": {"kind": "goodbye"}}))
        frame = json.loads(client.recv(timeout=WAIT_SECONDS))
        # The frame names the client's own connection: posting to it reaches this very socket.
        management_api(port, OPEN_API).post_to_connection(ConnectionId=frame["connectionId"], Data=b"it's me")
        assert client.recv(timeout=WAIT_SECONDS) == "it's me"

    assert frame["message"] == "Forbidden"
    assert frame["requestId"]
    assert invoker.events_of(HELLO) == []


def test_a_deeply_nested_message_without_a_default_route_is_answered_not_dropped(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port, "", api_id=OPEN_API) as client:
        client.send('{"meta": ' + "[" * 10_000 + "]" * 10_000 + "}")
        frame = json.loads(client.recv(timeout=WAIT_SECONDS))

    assert frame["message"] == "Forbidden"
    assert invoker.events_of(HELLO) == []


def _access_log_line(caplog: pytest.LogCaptureFixture, path: str) -> str:
    """The access log's line for ``path``: aiohttp writes it once the socket's handler has returned."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
        matching = [line for line in lines if path in line]
        if matching:
            return matching[0]
        time.sleep(0.05)
    raise AssertionError(f"no access log line for {path}")


def test_the_access_log_hides_the_token_in_the_query_and_keeps_the_rest(
    port: int, invoker: FakeInvoker, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        with _open(port, "?lang=en&token=alice"):
            invoker.wait_for(CONNECT)
        line = _access_log_line(caplog, f"/{CHAT_API}/{STAGE}")

    assert "alice" not in line
    assert f"/{CHAT_API}/{STAGE}?lang=en&token=REDACTED " in line


def test_a_failing_function_is_the_internal_server_error_frame_and_the_socket_stays_open(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send(json.dumps({"action": "explode"}))
        frame = json.loads(client.recv(timeout=WAIT_SECONDS))
        client.send(json.dumps({"action": "echo"}))
        assert client.recv(timeout=WAIT_SECONDS).startswith("echo:")

    assert frame["message"] == "Internal server error"
    assert frame["connectionId"] == connection_id
    assert frame["requestId"] == invoker.wait_for(EXPLODE)["requestContext"]["requestId"]


def test_a_message_of_128_kb_is_delivered(port: int, invoker: FakeInvoker) -> None:
    body = "x" * (128 * 1024)
    with _open(port) as client:
        client.send(body)
        assert invoker.wait_for(DEFAULT)["body"] == body


def test_a_message_over_128_kb_closes_the_socket_with_1009(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send("x" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=WAIT_SECONDS)

    assert _close_code(closed) == 1009
    assert invoker.events_of(DEFAULT) == []
    assert invoker.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1009


def test_a_binary_frame_closes_the_socket_with_1003(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=WAIT_SECONDS)

    assert _close_code(closed) == 1003
    assert invoker.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1003


# --- $disconnect ----------------------------------------------------------------------------------------


def test_closing_the_client_runs_disconnect_with_the_close_code_and_reason(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.close(code=4000, reason="bye")

    event = invoker.disconnect_of(connection_id)
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$disconnect", "DISCONNECT")
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (4000, "bye")
    assert event["headers"]["Host"] == f"{CHAT_API}.execute-api.{REGION}.amazonaws.com"


def test_a_normal_close_reports_api_gateways_reason(port: int, invoker: FakeInvoker) -> None:
    with _open(port):
        connection_id = _connection_id(invoker)

    context = invoker.disconnect_of(connection_id)["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (
        1000,
        "Connection Closed Normally",
    )


# --- @connections ---------------------------------------------------------------------------------------


def test_post_to_connection_sends_text_and_binary_frames(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        api = management_api(port)
        api.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "pong"}')
        api.post_to_connection(ConnectionId=connection_id, Data=b"\xff\xfe")

        assert client.recv(timeout=WAIT_SECONDS) == '{"type": "pong"}'
        assert client.recv(timeout=WAIT_SECONDS) == b"\xff\xfe"


def test_get_connection_reports_when_and_who(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        client.send(json.dumps({"action": "notify"}))
        invoker.wait_for(NOTIFY)
        answer = management_api(port).get_connection(ConnectionId=connection_id)

    assert answer["Identity"]["SourceIp"] == "127.0.0.1"
    assert answer["Identity"]["UserAgent"].startswith("Python/")
    assert answer["ConnectedAt"] <= answer["LastActiveAt"]
    assert answer["ConnectedAt"].tzinfo is not None


def test_delete_connection_closes_the_socket_and_runs_disconnect(port: int, invoker: FakeInvoker) -> None:
    with _open(port) as client:
        connection_id = _connection_id(invoker)
        api = management_api(port)
        api.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=WAIT_SECONDS)

        assert _close_code(closed) == 1000
        with pytest.raises(api.exceptions.GoneException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"too late")
    assert invoker.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1000


@pytest.mark.parametrize("operation", ["post_to_connection", "get_connection", "delete_connection"])
def test_an_unknown_connection_is_gone(port: int, operation: str) -> None:
    api = management_api(port)
    arguments: dict[str, Any] = {"ConnectionId": "L0SM9cOFvHcCIhw="}
    if operation == "post_to_connection":
        arguments["Data"] = b"anyone?"

    with pytest.raises(api.exceptions.GoneException) as gone:
        getattr(api, operation)(**arguments)

    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_a_closed_connection_is_gone(port: int, invoker: FakeInvoker) -> None:
    with _open(port):
        connection_id = _connection_id(invoker)
    invoker.disconnect_of(connection_id)

    api = management_api(port)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection_id, Data=b"left already")


def test_a_connection_is_not_reachable_through_another_stage(port: int, invoker: FakeInvoker) -> None:
    with _open(port):
        connection_id = _connection_id(invoker)
        api = management_api(port, stage="prod")
        with pytest.raises(api.exceptions.GoneException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"wrong stage")


def test_a_post_over_128_kb_is_payload_too_large(port: int, invoker: FakeInvoker) -> None:
    with _open(port):
        connection_id = _connection_id(invoker)
        api = management_api(port)
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))


def test_a_function_can_post_to_its_caller_while_the_gateway_waits_for_it(
    port: int, invoker: FakeInvoker
) -> None:
    with _open(port) as client:
        client.send(json.dumps({"action": "callback"}))

        assert client.recv(timeout=WAIT_SECONDS) == "posted during the invocation"


def test_concurrent_posts_reach_every_connection(port: int, invoker: FakeInvoker) -> None:
    count = 40
    with ExitStack() as open_clients:
        clients = [open_clients.enter_context(_open(port)) for _ in range(count)]
        connection_ids = [
            str(event["requestContext"]["connectionId"]) for event in invoker.events_of(CONNECT)
        ]
        api = management_api(port)

        def post_own_id(connection_id: str) -> None:
            api.post_to_connection(ConnectionId=connection_id, Data=connection_id.encode())

        with ThreadPoolExecutor(max_workers=16) as posters:
            list(posters.map(post_own_id, connection_ids))
        received = [client.recv(timeout=WAIT_SECONDS) for client in clients]

    assert len(connection_ids) == count
    assert received == connection_ids


# --- shutdown -------------------------------------------------------------------------------------------


def test_stopping_the_gateway_closes_sockets_with_1001_drops_work_in_flight_and_skips_disconnect() -> None:
    port = free_port()
    invoker = FakeInvoker(port)
    server = _start_gateway(invoker, port)
    try:
        with _open(port) as client:
            client.send(json.dumps({"action": "slow"}))
            invoker.wait_for(SLOW)
            # The local cloud's Ctrl-C path; it returns although the slow function is still running.
            server.stop()
            with pytest.raises(ConnectionClosed) as closed:
                client.recv(timeout=WAIT_SECONDS)
    finally:
        invoker.release_slow.set()

    assert _close_code(closed) == 1001
    assert invoker.events_of(DISCONNECT) == []
