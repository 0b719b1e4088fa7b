"""ApiStack: who may call what, what the function may touch, and that the gateway matches the handler."""

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match, Template

from lambdas.corkboard import table_design as design
from stacks.rest_routes import REST_ROUTES
from tests.infra.policy_statements import function_properties, role_statements

ROOT = Path(__file__).resolve().parents[2]
METHOD = "AWS::ApiGateway::Method"
_PARAMETER = re.compile(r"\{[^}]+\}")


def method_routes(template: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """Map (HTTP method, full path) to each Method resource's properties, rebuilding paths from parents."""
    resources = template.find_resources("AWS::ApiGateway::Resource")

    def path_of(reference: dict[str, Any]) -> str:
        if "Ref" not in reference:  # the RestApi's RootResourceId
            return ""
        resource = resources[reference["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    return {
        (method["Properties"]["HttpMethod"], path_of(method["Properties"]["ResourceId"]) or "/"): method[
            "Properties"
        ]
        for method in template.find_resources(METHOD).values()
    }


# Not routes: the CORS preflight, and the MOCK that answers every other method 405 (method_not_allowed.py).
_GATEWAY_ANSWERED = frozenset({"OPTIONS", "ANY"})


def test_gateway_serves_exactly_the_route_table(api_template: Template) -> None:
    served = {route for route in method_routes(api_template) if route[0] not in _GATEWAY_ANSWERED}
    assert served == {(route.method, route.path) for route in REST_ROUTES}


def test_every_path_of_the_route_table_answers_other_methods_405(api_template: Template) -> None:
    undeclared = {
        path: method for (verb, path), method in method_routes(api_template).items() if verb == "ANY"
    }

    assert set(undeclared) == {route.path for route in REST_ROUTES}
    for path, method in undeclared.items():
        allowed = sorted({route.method for route in REST_ROUTES if route.path == path} | {"OPTIONS"})
        (response,) = method["Integration"]["IntegrationResponses"]
        assert method["Integration"]["Type"] == "MOCK"
        assert response["StatusCode"] == "405"
        assert response["ResponseParameters"]["method.response.header.Allow"] == f"'{', '.join(allowed)}'"


def test_every_method_but_health_requires_the_cognito_authorizer(api_template: Template) -> None:
    authorizer_id = next(iter(api_template.find_resources("AWS::ApiGateway::Authorizer")))
    for (http_method, path), method in method_routes(api_template).items():
        if http_method == "OPTIONS" or path == "/health":
            continue
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS", (http_method, path)
        assert method["AuthorizerId"] == {"Ref": authorizer_id}, (http_method, path)


def test_only_health_and_cors_preflight_are_public(api_template: Template) -> None:
    public = {
        route
        for route, method in method_routes(api_template).items()
        if method["AuthorizationType"] == "NONE"
    }
    assert ("GET", "/health") in public
    # /health's 405 answer is public as /health is; it is a MOCK that reaches nothing.
    assert {route for route in public if route[0] != "OPTIONS"} == {("GET", "/health"), ("ANY", "/health")}


def test_authorizer_trusts_the_stack_user_pool(api_template: Template) -> None:
    api_template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {"Type": "COGNITO_USER_POOLS", "IdentitySource": "method.request.header.Authorization"},
    )


def test_gateway_routes_match_the_generated_openapi_document(api_template: Template) -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    documented = {
        (method.upper(), _PARAMETER.sub("{}", path))
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {(route.method, _PARAMETER.sub("{}", route.path)) for route in REST_ROUTES}
    assert served == documented


def test_stage_throttles_and_traces(api_template: Template) -> None:
    api_template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": Match.array_with(
                [Match.object_like({"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": 20})]
            ),
        },
    )


def test_function_runs_python_313_on_arm_with_tracing(api_template: Template) -> None:
    api_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "api.app.handler",
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            "Environment": {
                "Variables": Match.object_like(
                    {
                        design.ENV_TABLE_NAME: Match.any_value(),
                        design.ENV_IDEMPOTENCY_TABLE_NAME: Match.any_value(),
                        design.ENV_CURSOR_SECRET_ARN: Match.any_value(),
                    }
                )
            },
        },
    )


def _statements(template: Template) -> list[dict[str, Any]]:
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_policy_grants_a_wildcard_action(api_template: Template) -> None:
    for statement in _statements(api_template):
        for action in _as_list(statement["Action"]):
            assert action != "*", statement
            assert not action.endswith(":*"), statement


def test_data_actions_name_their_resources_and_never_scan(api_template: Template) -> None:
    data_statements = [
        statement
        for statement in _statements(api_template)
        if any(action.startswith("dynamodb:") for action in _as_list(statement["Action"]))
    ]
    assert data_statements
    for statement in data_statements:
        assert "dynamodb:Scan" not in _as_list(statement["Action"])
        assert "*" not in _as_list(statement["Resource"]), statement


def test_the_rest_function_may_end_subscriptions_and_no_more(api_template: Template) -> None:
    """Removing a member or deleting a board ends WebSocket subscriptions in the connections table."""
    variables = function_properties(api_template, "api.app.handler")["Environment"]["Variables"]
    assert "ConnectionsTable" in json.dumps(variables[design.ENV_CONNECTIONS_TABLE_NAME])
    [statement] = [
        statement
        for statement in role_statements(api_template, "api.app.handler")
        if "ConnectionsTable" in json.dumps(statement["Resource"])
    ]
    assert sorted(_as_list(statement["Action"])) == [
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
    ]


def test_the_rest_function_may_read_the_cursor_key_and_nothing_else_of_secrets_manager(
    api_template: Template,
) -> None:
    """The key is read with GetSecretValue alone (corkboard/settings.py); DescribeSecret is never called."""
    (statement,) = (
        statement
        for statement in role_statements(api_template, "api.app.handler")
        if any(action.startswith("secretsmanager:") for action in _as_list(statement["Action"]))
    )

    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert "CursorSigningKey" in json.dumps(statement["Resource"])
    assert "*" not in json.dumps(statement["Resource"])
