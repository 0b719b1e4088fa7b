"""The local REST gateway answers an undeclared method as API Gateway does with CognitoRestApi's ``ANY``
method: the MOCK integration's 405, its ``Allow`` header and its JSON body, while declared methods still
reach the function. The integration is the one ``serverless_blocks.method_not_allowed`` synthesizes.
"""

from collections.abc import Iterator

import pytest
from rest_gateway_doubles import (
    GatewayClient,
    RecordingInvoker,
    TemplateBuilder,
    deployment_of,
    serve,
)

API = "any405api01"
METHOD_NOT_ALLOWED = {
    "Type": "MOCK",
    "RequestTemplates": {"application/json": '{"statusCode": 405}'},
    "IntegrationResponses": [
        {
            "StatusCode": "405",
            "ResponseParameters": {"method.response.header.Allow": "'GET, OPTIONS, POST'"},
            "ResponseTemplates": {
                "application/json": '{"error": "method_not_allowed", "message": '
                '"This path takes GET, OPTIONS, POST, not $context.httpMethod. See the Allow header."}'
            },
        }
    ],
}


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayClient]:
    api = TemplateBuilder(API)
    api.method("GET", "/items")
    api.method("POST", "/items")
    api.method(
        "ANY",
        "/items",
        integration=METHOD_NOT_ALLOWED,
        MethodResponses=[{"StatusCode": "405", "ResponseParameters": {"method.response.header.Allow": True}}],
    )
    api.stage("v1")
    with serve(deployment_of(api), RecordingInvoker()) as client:
        yield client


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH"])
def test_an_undeclared_method_is_405_with_allow_and_a_json_error(gateway: GatewayClient, verb: str) -> None:
    response = gateway.request(verb, f"/{API}/v1/items", json={"any": "body"})

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, OPTIONS, POST"
    assert response.json() == {
        "error": "method_not_allowed",
        "message": f"This path takes GET, OPTIONS, POST, not {verb}. See the Allow header.",
    }


def test_declared_methods_still_reach_the_function(gateway: GatewayClient) -> None:
    before = gateway.invoker.count("echo")

    assert gateway.request("GET", f"/{API}/v1/items").status_code == 200
    assert gateway.request("POST", f"/{API}/v1/items", json={}).status_code == 200
    assert gateway.invoker.count("echo") == before + 2
