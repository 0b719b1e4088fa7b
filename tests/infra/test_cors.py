"""Browser access (issue 11, finding 2): the origins of cdk.json ``corsAllowOrigins`` reach every part that
answers a browser: the REST function (environment), API Gateway's preflights and errors, and the cache key."""

from typing import Any

import pytest
from aws_cdk.assertions import Template

from lambdas.corkboard import table_design as design
from serverless_blocks.gateway_error_responses import GATEWAY_ERROR_RESPONSES
from stacks.config import load_environment
from tests.infra.conftest import SynthesizedApp, cdk_context

ORIGIN_KEY = "method.request.header.Origin"


def _allowed_origins(name: str) -> tuple[str, ...]:
    return load_environment(cdk_context()["environments"], name).cors_allow_origins


def _rest_function_environment(template: Template) -> dict[str, Any]:
    (function,) = [
        resource["Properties"]
        for resource in template.find_resources("AWS::Lambda::Function").values()
        if resource["Properties"].get("Handler") == "api.app.handler"
    ]
    return function["Environment"]["Variables"]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_rest_function_reflects_exactly_the_configured_origins(
    environment: str, dev_app: SynthesizedApp, prod_app: SynthesizedApp
) -> None:
    app = dev_app if environment == "dev" else prod_app
    variables = _rest_function_environment(Template.from_json(app.template("api")))
    assert variables[design.ENV_CORS_ALLOW_ORIGINS] == ",".join(_allowed_origins(environment))


def test_every_gateway_error_names_the_allowed_origin(api_template: Template) -> None:
    (origin,) = _allowed_origins("dev")
    responses = api_template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    by_type = {response["Properties"]["ResponseType"]: response["Properties"] for response in responses}
    assert set(by_type) >= {response.response_type.response_type for response in GATEWAY_ERROR_RESPONSES}
    for response_type, properties in by_type.items():
        header = properties["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert header == f"'{origin}'", response_type


def test_every_preflight_allows_the_origin_and_the_idempotency_key(api_template: Template) -> None:
    (origin,) = _allowed_origins("dev")
    preflights = [
        method["Properties"]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        for method in api_template.find_resources("AWS::ApiGateway::Method").values()
        if method["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert preflights
    for headers in preflights:
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"
        assert "Idempotency-Key" in headers["method.response.header.Access-Control-Allow-Headers"]


def test_prod_caches_each_origin_apart(prod_app: SynthesizedApp) -> None:
    methods = Template.from_json(prod_app.template("api")).find_resources("AWS::ApiGateway::Method").values()
    cached = [
        method["Properties"]["Integration"]
        for method in methods
        if method["Properties"].get("Integration", {}).get("CacheKeyParameters")
    ]
    assert cached
    for integration in cached:
        assert ORIGIN_KEY in integration["CacheKeyParameters"]
