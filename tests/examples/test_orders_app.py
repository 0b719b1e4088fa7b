"""The consumer example (examples/orders_app) synthesizes clean and stays as short as promised.

Other teams copy this app, so it must pass the same gates as Corkboard's own stacks: both cdk-nag
packs with no open finding, cfn-lint with no error or warning, and the feature flags of cdk.json.
"""

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from examples.orders_app.app import OrdersStack
from serverless_blocks.testing import (
    NagReport,
    assert_acknowledgments_justified,
    assert_nag_clean,
    synthesize_with_nag,
)
from tests.infra.cfn_lint_check import lint_template
from tests.infra.conftest import cdk_context

APP_FILE = Path(__file__).resolve().parents[2] / "examples" / "orders_app" / "app.py"
MAX_CDK_LINES = 50


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, OrdersStack, NagReport]:
    app = App(outdir=str(tmp_path_factory.mktemp("orders.out")), context=cdk_context())
    stack = OrdersStack(app, "OrdersApp")
    return app, stack, synthesize_with_nag(app)


@pytest.fixture(scope="module")
def template(synthesized: tuple[App, OrdersStack, NagReport]) -> dict[str, Any]:
    _, stack, report = synthesized
    return report.template(stack)


def test_example_has_no_open_nag_findings_and_every_acknowledgment_says_why(
    synthesized: tuple[App, OrdersStack, NagReport],
) -> None:
    app, _, report = synthesized

    assert_nag_clean(report.findings)
    assert_acknowledgments_justified(app)


def test_example_template_is_cfn_lint_clean(template: dict[str, Any]) -> None:
    assert lint_template(template) == []


@pytest.mark.parametrize(("http_method", "path_part"), [("GET", "{orderId}"), ("POST", "orders")])
def test_both_order_routes_need_a_cognito_token(
    template: dict[str, Any], http_method: str, path_part: str
) -> None:
    resources = Template.from_json(template).find_resources(
        "AWS::ApiGateway::Resource", {"Properties": {"PathPart": path_part}}
    )
    (resource_id,) = resources

    Template.from_json(template).has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": http_method,
            "ResourceId": {"Ref": resource_id},
            "AuthorizationType": "COGNITO_USER_POOLS",
            "Integration": Match.object_like({"Type": "AWS_PROXY"}),
        },
    )


def test_the_health_check_is_the_one_public_route(template: dict[str, Any]) -> None:
    (resource_id,) = Template.from_json(template).find_resources(
        "AWS::ApiGateway::Resource", {"Properties": {"PathPart": "health"}}
    )

    Template.from_json(template).has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "GET", "ResourceId": {"Ref": resource_id}, "AuthorizationType": "NONE"},
    )


def test_function_may_only_get_and_put_items_of_its_table(template: dict[str, Any]) -> None:
    Template.from_json(template).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^Orders"), "Arn"]},
                        }
                    ]
                )
            }
        },
    )


def test_example_app_stays_within_its_line_budget() -> None:
    lines = APP_FILE.read_text(encoding="utf-8").splitlines()
    cdk_lines = [line for line in lines if line.strip() and not line.strip().startswith("#")]

    assert len(cdk_lines) <= MAX_CDK_LINES, f"{APP_FILE} has {len(cdk_lines)} lines of code"
