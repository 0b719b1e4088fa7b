"""The local REST gateway answers browsers as API Gateway does with CDK's CORS for several origins
(issue 11, finding 2): the preflight's MOCK integration picks the origin with its Velocity template, and
the gateway's own errors echo the request's Origin as their response parameters say.

The templates are the ones CDK 2.275 synthesizes for ``defaultCorsPreflightOptions`` with two origins, and
the gateway responses the ones ``CognitoRestApi`` adds with several origins.
"""

from collections.abc import Iterator

import pytest
import requests
from rest_gateway_doubles import (
    GatewayClient,
    RecordingInvoker,
    TemplateBuilder,
    deployment_of,
    serve,
)

FIRST = "https://app.example.com"
SECOND = "http://localhost:5173"
REFUSED = "https://evil.example.com"
API = "corsapi001"
ALL_METHODS = "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD"
# CDK names the first origin statically and lets the template override it for each other allowed origin.
MULTI_ORIGIN_PREFLIGHT = {
    "Type": "MOCK",
    "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
    "IntegrationResponses": [
        {
            "StatusCode": "204",
            "ResponseParameters": {
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
                "method.response.header.Access-Control-Allow-Origin": f"'{FIRST}'",
                "method.response.header.Vary": "'Origin'",
                "method.response.header.Access-Control-Allow-Methods": f"'{ALL_METHODS}'",
            },
            "ResponseTemplates": {
                "application/json": '#set($origin = $input.params().header.get("Origin"))\n'
                '#if($origin == "")\n'
                '  #set($origin = $input.params().header.get("origin"))\n'
                "#end\n"
                f'#if($origin == "{SECOND}")\n'
                "  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
                "#end"
            },
        }
    ],
}


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayClient]:
    api = TemplateBuilder(API)
    api.method("GET", "/items")
    api.method("OPTIONS", "/items", integration=MULTI_ORIGIN_PREFLIGHT)
    api.stage("v1")
    api.add(
        "GatewayResponse",
        "gr-4xx",
        ResponseType="DEFAULT_4XX",
        ResponseParameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin",
            "gatewayresponse.header.Vary": "'Origin'",
        },
        ResponseTemplates={
            "application/json": '{"error": "client_error", "message": $context.error.messageString}'
        },
    )
    with serve(deployment_of(api), RecordingInvoker()) as client:
        yield client


def preflight(gateway: GatewayClient, origin: str, origin_header: str = "Origin") -> requests.Response:
    return gateway.request(
        "OPTIONS", f"/{API}/v1/items", headers={origin_header: origin, "Access-Control-Request-Method": "PUT"}
    )


@pytest.mark.parametrize("origin", [FIRST, SECOND])
def test_the_preflight_names_each_allowed_origin(gateway: GatewayClient, origin: str) -> None:
    response = preflight(gateway, origin)

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Vary"] == "Origin"
    assert response.headers["Access-Control-Allow-Methods"] == ALL_METHODS


def test_the_preflight_reads_a_lower_case_origin_header(gateway: GatewayClient) -> None:
    assert preflight(gateway, SECOND, "origin").headers["Access-Control-Allow-Origin"] == SECOND


def test_the_preflight_never_names_another_origin(gateway: GatewayClient) -> None:
    response = preflight(gateway, REFUSED)

    # The static first origin stays: it does not match, so the browser refuses the request.
    assert response.headers["Access-Control-Allow-Origin"] == FIRST


def test_the_gateways_own_error_echoes_the_origin(gateway: GatewayClient) -> None:
    response = gateway.request("GET", f"/{API}/v1/nowhere", headers={"Origin": SECOND})

    assert response.status_code == 403
    assert response.json() == {"error": "client_error", "message": "Missing Authentication Token"}
    assert (response.headers["Access-Control-Allow-Origin"], response.headers["Vary"]) == (SECOND, "Origin")
