"""The REST gateway over real HTTP: routing, the proxy event, errors, throttling and gateway responses.

A hand-built deployment (two REST APIs, one with customized gateway responses) is served by the real
gateway on a free port; a fake function host records every event and answers with canned replies.
"""

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from fakes import FAKE_ACCOUNT_ID
from rest_gateway_doubles import (
    CORS_ORIGIN,
    GatewayClient,
    RecordingInvoker,
    TemplateBuilder,
    cors_preflight,
    deployment_of,
    invocation_uri,
    ok,
    serve,
)

from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult

MAIN_API = "mainapi001"
PLAIN_API = "plainapi01"
THROTTLED_PATH_SETTING = {
    "ResourcePath": "/~1limited",
    "HttpMethod": "GET",
    "ThrottlingRateLimit": 0.001,
    "ThrottlingBurstLimit": 2,
}


def main_api() -> TemplateBuilder:
    """Every routing shape and integration kind, with customized DEFAULT_4XX/5XX gateway responses."""
    api = TemplateBuilder(MAIN_API, BinaryMediaTypes=["image~1png"])
    api.method("GET", "/")
    api.method("OPTIONS", "/items", integration=cors_preflight())
    api.method("GET", "/items/special")
    api.method("GET", "/items/{itemId}")
    api.method("PUT", "/items/{itemId}")
    api.method("ANY", "/items/{itemId}/files/{proxy+}")
    api.method("ANY", "/{proxy+}")
    api.method("POST", "/upload")
    api.method("GET", "/download", "binary")
    api.method("GET", "/cookies", "cookies")
    api.method("GET", "/malformed", "malformed")
    api.method(
        "GET",
        "/hang",
        integration={"Type": "AWS_PROXY", "Uri": invocation_uri("hang"), "TimeoutInMillis": 100},
    )
    api.method("GET", "/limited")
    api.method("GET", "/legacy", integration={"Type": "HTTP_PROXY", "Uri": "http://example.com"})
    api.stage(
        "v1",
        Variables={"color": "blue"},
        MethodSettings=[
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": 1000,
                "ThrottlingBurstLimit": 1000,
            },
            THROTTLED_PATH_SETTING,
        ],
    )
    cors = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS_ORIGIN}'"}
    api.add(
        "GatewayResponse",
        "gr-4xx",
        ResponseType="DEFAULT_4XX",
        ResponseParameters={**cors, "gatewayresponse.header.X-Origin-Seen": "method.request.header.Origin"},
        ResponseTemplates={
            "application/json": '{"type": "$context.error.responseType", '
            '"message": $context.error.messageString, "request": "$context.requestId"}'
        },
    )
    api.add(
        "GatewayResponse",
        "gr-5xx",
        ResponseType="DEFAULT_5XX",
        ResponseParameters=cors,
        ResponseTemplates={
            "application/json": '{"error": "server_error", "message": $context.error.messageString}'
        },
    )
    return api


def plain_api() -> TemplateBuilder:
    """API Gateway's own error bodies (no gateway responses); its stage comes from a Deployment."""
    api = TemplateBuilder(PLAIN_API)
    validator = api.add(
        "RequestValidator", "validator", ValidateRequestParameters=True, ValidateRequestBody=True
    )
    api.method(
        "GET",
        "/items",
        RequestValidatorId=validator,
        RequestParameters={
            "method.request.querystring.limit": True,
            "method.request.header.X-Tenant": True,
            "method.request.querystring.cursor": False,
        },
    )
    api.method("GET", "/broken", "broken")
    api.method("GET", "/timeout", "timeout")
    api.method("GET", "/limited")
    api.add(
        "Deployment",
        "deployment",
        StageName="prod",
        StageDescription={"MethodSettings": [THROTTLED_PATH_SETTING]},
    )
    return api


def canned_invoker() -> RecordingInvoker:
    invoker = RecordingInvoker()

    def hang(event: dict[str, Any]) -> InvocationResult:
        invoker.release.wait(10)
        return ok(event)

    invoker.replies.update(
        hang=hang,
        broken=lambda _: InvocationResult(error=FunctionError("ValueError", "boom")),
        timeout=lambda _: InvocationResult(
            error=FunctionError("Sandbox.Timedout", "timed out", timed_out=True)
        ),
        malformed=lambda _: InvocationResult(payload={"statusCode": 200, "body": {"not": "a string"}}),
        binary=lambda _: InvocationResult(
            payload={
                "statusCode": 200,
                "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\x89PNG\x00").decode(),
                "isBase64Encoded": True,
            }
        ),
        cookies=lambda _: InvocationResult(
            payload={
                "statusCode": 201,
                "headers": {"X-Single": "one", "Content-Type": "text/plain"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": "made",
            }
        ),
    )
    return invoker


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayClient]:
    with serve(deployment_of(main_api(), plain_api()), canned_invoker()) as client:
        yield client


def main(gateway: GatewayClient, method: str, path: str, **kwargs: Any) -> requests.Response:
    return gateway.request(method, f"/{MAIN_API}/v1{path}", **kwargs)


def plain(gateway: GatewayClient, method: str, path: str, **kwargs: Any) -> requests.Response:
    return gateway.request(method, f"/{PLAIN_API}/prod{path}", **kwargs)


@pytest.mark.parametrize(
    ("method", "path", "resource", "path_parameters"),
    [
        ("GET", "/", "/", None),
        ("GET", "/items/special", "/items/special", None),
        ("GET", "/items/42", "/items/{itemId}", {"itemId": "42"}),
        ("PUT", "/items/special", "/items/{itemId}", {"itemId": "special"}),
        (
            "DELETE",
            "/items/42/files/a/b.txt",
            "/items/{itemId}/files/{proxy+}",
            {"itemId": "42", "proxy": "a/b.txt"},
        ),
        ("PATCH", "/anything/else", "/{proxy+}", {"proxy": "anything/else"}),
        ("GET", "/items/a%20b", "/items/{itemId}", {"itemId": "a b"}),
    ],
)
def test_requests_reach_the_most_specific_method(
    gateway: GatewayClient, method: str, path: str, resource: str, path_parameters: dict[str, str] | None
) -> None:
    response = main(gateway, method, path)
    event = gateway.invoker.last_event()

    assert (response.status_code, response.text) == (200, "ok")
    assert (event["httpMethod"], event["resource"], event["pathParameters"]) == (
        method,
        resource,
        path_parameters,
    )


def test_the_proxy_event_has_api_gateways_shape(gateway: GatewayClient) -> None:
    response = main(
        gateway,
        "POST",
        "/upload?tag=a&tag=b&limit=5",
        data=b'{"title": "x"}',
        headers={"Content-Type": "application/json", "User-Agent": "tests/1.0", "X-Multi": "one"},
    )
    event = gateway.invoker.last_event()
    context = event["requestContext"]

    assert response.status_code == 200
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/upload", "/upload", "POST")
    assert event["queryStringParameters"] == {"tag": "b", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "limit": ["5"]}
    assert event["stageVariables"] == {"color": "blue"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"title": "x"}', False)
    assert event["headers"]["User-Agent"] == "tests/1.0"
    assert event["multiValueHeaders"]["X-Multi"] == ["one"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert "authorizer" not in context
    assert {
        key: context[key] for key in ("accountId", "apiId", "stage", "path", "resourcePath", "httpMethod")
    } == {
        "accountId": FAKE_ACCOUNT_ID,
        "apiId": MAIN_API,
        "stage": "v1",
        "path": "/v1/upload",
        "resourcePath": "/upload",
        "httpMethod": "POST",
    }
    assert context["resourceId"] == f"{MAIN_API}:upload"
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == gateway.base_url.removeprefix("http://")
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["requestTime"])
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests/1.0"
    assert context["identity"]["cognitoIdentityId"] is None


def test_a_request_without_query_or_body_has_nulls(gateway: GatewayClient) -> None:
    main(gateway, "GET", "/")
    event = gateway.invoker.last_event()

    assert event["path"] == "/"
    assert event["requestContext"]["path"] == "/v1/"
    assert (event["queryStringParameters"], event["multiValueQueryStringParameters"]) == (None, None)
    assert (event["pathParameters"], event["body"], event["isBase64Encoded"]) == (None, None, False)


def test_a_binary_media_type_arrives_base64_encoded(gateway: GatewayClient) -> None:
    payload = bytes(range(256))

    main(gateway, "POST", "/upload", data=payload, headers={"Content-Type": "image/png"})
    event = gateway.invoker.last_event()

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_a_base64_reply_is_decoded_for_a_binary_media_type(gateway: GatewayClient) -> None:
    response = main(gateway, "GET", "/download", headers={"Accept": "image/png"})

    assert response.content == b"\x89PNG\x00"
    assert response.headers["Content-Type"] == "image/png"


def test_the_proxy_reply_maps_status_headers_and_repeated_headers(gateway: GatewayClient) -> None:
    response = main(gateway, "GET", "/cookies")

    assert (response.status_code, response.text) == (201, "made")
    assert response.headers["X-Single"] == "one"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_the_cors_preflight_is_answered_by_the_mock_integration(gateway: GatewayClient) -> None:
    calls_before = len(gateway.invoker.calls)

    response = main(gateway, "OPTIONS", "/items", headers={"Origin": CORS_ORIGIN})

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS,GET,POST"
    assert len(gateway.invoker.calls) == calls_before


def test_an_unknown_route_is_missing_authentication_token(gateway: GatewayClient) -> None:
    unknown_path = plain(gateway, "GET", "/nowhere")
    unknown_method = plain(gateway, "DELETE", "/items")

    for response in (unknown_path, unknown_method):
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_an_unknown_stage_is_forbidden_and_an_unknown_api_not_found(gateway: GatewayClient) -> None:
    unknown_stage = gateway.request("GET", f"/{MAIN_API}/v9/items")
    unknown_api = gateway.request("GET", "/nosuchapi1/v1/items")

    assert (unknown_stage.status_code, unknown_stage.json()) == (403, {"message": "Forbidden"})
    assert (unknown_api.status_code, unknown_api.json()) == (404, {"message": "Not Found"})


def test_missing_required_parameters_are_a_400_before_the_function_runs(gateway: GatewayClient) -> None:
    calls_before = len(gateway.invoker.calls)

    missing_both = plain(gateway, "GET", "/items")
    missing_header = plain(gateway, "GET", "/items?limit=5")
    complete = plain(gateway, "GET", "/items?limit=5", headers={"x-tenant": "t1"})

    assert (missing_both.status_code, missing_both.json()) == (
        400,
        {"message": "Missing required request parameters: [limit, X-Tenant]"},
    )
    assert missing_header.json() == {"message": "Missing required request parameters: [X-Tenant]"}
    assert complete.status_code == 200
    assert len(gateway.invoker.calls) == calls_before + 1


def test_a_function_error_is_a_502(gateway: GatewayClient) -> None:
    response = plain(gateway, "GET", "/broken")

    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})


def test_a_function_past_its_timeout_is_a_504(gateway: GatewayClient) -> None:
    response = plain(gateway, "GET", "/timeout")

    assert (response.status_code, response.json()) == (504, {"message": "Endpoint request timed out"})


def test_an_integration_past_its_timeout_in_millis_is_a_504(gateway: GatewayClient) -> None:
    response = main(gateway, "GET", "/hang")

    assert response.status_code == 504
    assert response.json() == {"error": "server_error", "message": "Endpoint request timed out"}


def test_a_malformed_proxy_reply_is_a_502_in_the_templates_shape(gateway: GatewayClient) -> None:
    response = main(gateway, "GET", "/malformed")

    assert response.status_code == 502
    assert response.json() == {"error": "server_error", "message": "Internal server error"}
    assert response.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN


def test_an_integration_type_not_emulated_is_a_500(gateway: GatewayClient) -> None:
    response = main(gateway, "GET", "/legacy")

    assert (response.status_code, response.json()["message"]) == (500, "Internal server error")


def test_a_method_beyond_its_burst_is_throttled(gateway: GatewayClient) -> None:
    statuses = [plain(gateway, "GET", "/limited").status_code for _ in range(3)]
    throttled = plain(gateway, "GET", "/limited")
    other_method = plain(gateway, "GET", "/broken")

    assert statuses == [200, 200, 429]
    assert throttled.json() == {"message": "Too Many Requests"}
    assert other_method.status_code == 502


def test_gateway_responses_shape_the_gateways_own_errors(gateway: GatewayClient) -> None:
    for _ in range(2):
        main(gateway, "GET", "/limited")

    throttled = main(gateway, "GET", "/limited", headers={"Origin": "http://app.test"})

    assert throttled.status_code == 429
    assert throttled.json() == {
        "type": "THROTTLED",
        "message": "Too Many Requests",
        "request": throttled.headers["x-amzn-RequestId"],
    }
    assert throttled.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert throttled.headers["X-Origin-Seen"] == "http://app.test"


def test_a_customized_missing_token_response_keeps_its_status_and_template() -> None:
    api = TemplateBuilder("customapi1")
    api.method("GET", "/only")
    api.stage("v1")
    api.add(
        "GatewayResponse",
        "gr",
        ResponseType="MISSING_AUTHENTICATION_TOKEN",
        StatusCode="404",
        ResponseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS_ORIGIN}'"},
        ResponseTemplates={
            "application/json": '{"error": "not_found", "message": $context.error.messageString}'
        },
    )

    with serve(deployment_of(api), RecordingInvoker()) as client:
        response = client.request("GET", "/customapi1/v1/elsewhere")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Missing Authentication Token"}
    assert response.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN


def test_a_body_over_api_gateways_10_mb_limit_is_refused_with_413(gateway: GatewayClient) -> None:
    calls_before = len(gateway.invoker.calls)

    response = plain(gateway, "GET", "/items", data=b"x" * (10 * 1024 * 1024 + 1))

    assert (response.status_code, response.json()) == (413, {"message": "Request Too Long"})
    assert len(gateway.invoker.calls) == calls_before
