"""The feature flags serverless_blocks' README tells a team to copy: set so in cdk.json, and each still does
what the README says, so the table cannot go stale when CDK changes a default or the constructs change.

Each flag is checked by what it changes, with cdk.json's context and with the same context minus that
one flag: a layer change publishes a new version, an authorizer change a new deployment, and so on.
"""

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_

from serverless_blocks import (
    CognitoRestApi,
    CognitoRestApiProps,
    PythonFunction,
    PythonFunctionProps,
    Table,
    TableProps,
    UserDirectory,
    UserDirectoryProps,
)
from serverless_blocks.testing import nag_findings
from tests.infra.conftest import cdk_context

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "serverless_blocks" / "README.md"
CODE = ROOT / "examples" / "orders_app" / "lambdas"
FLAG_ROW = re.compile(r"^\| `(@aws-cdk/[^`]+)` \| `(true|false)` \|", re.MULTILINE)
LAYER_FLAG = "@aws-cdk/aws-lambda:recognizeLayerVersion"
AUTHORIZER_FLAG = "@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId"
ACCESS_LOG_FLAG = "@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard"
MINIMIZE_FLAG = "@aws-cdk/aws-iam:minimizePolicies"
ANNOTATIONS_FLAG = "@aws-cdk/core:annotationsInValidationReport"
FIRST, SECOND = 0, 1


def documented_flags() -> dict[str, bool]:
    return {flag: value == "true" for flag, value in FLAG_ROW.findall(README.read_text(encoding="utf-8"))}


def _context(without: str | None) -> dict[str, Any]:
    return {key: value for key, value in cdk_context().items() if key != without}


class FlagProbe:
    """Synthesizes, once each, two apps that differ only in their own layer's content and in the user pool
    behind the authorizer: a function with that layer and two table grants behind a Cognito REST API."""

    def __init__(self, layer_directories: tuple[Path, Path]) -> None:
        self._layer_directories = layer_directories
        self._templates: dict[tuple[str | None, int], dict[str, Any]] = {}

    def template(self, without: str | None, variant: int) -> dict[str, Any]:
        if (without, variant) not in self._templates:
            self._templates[without, variant] = self._synthesize(without, variant)
        return self._templates[without, variant]

    def _synthesize(self, without: str | None, variant: int) -> dict[str, Any]:
        stack = Stack(App(context=_context(without)), "Flags")
        users = UserDirectory(stack, ("Users", "OtherUsers")[variant])
        layer_code = lambda_.Code.from_asset(str(self._layer_directories[variant]))
        layer = lambda_.LayerVersion(stack, "Layer", code=layer_code)
        function = PythonFunction(
            stack,
            "Handler",
            props=PythonFunctionProps(code_path=str(CODE), handler="orders_api.handler", layers=(layer,)),
        )
        key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        for name in ("Orders", "Customers"):
            Table(stack, name, props=TableProps(partition_key=key)).table.grant_read_data(function.function)
        api = CognitoRestApi(stack, "Api", props=CognitoRestApiProps(user_pool=users.user_pool))
        api.add_route("GET", "/orders", function.invocable)
        return App.of(stack).synth().get_stack_by_name("Flags").template

    def changes_on_change(self, without: str | None, resource_type: str) -> bool:
        first, second = (self._logical_ids(self.template(without, v), resource_type) for v in (FIRST, SECOND))
        return first != second

    @staticmethod
    def _logical_ids(template: Mapping[str, Any], resource_type: str) -> set[str]:
        return {name for name, resource in template["Resources"].items() if resource["Type"] == resource_type}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> FlagProbe:
    directories = []
    for version in (1, 2):
        directory = tmp_path_factory.mktemp(f"layer{version}")
        (directory / "python").mkdir()
        (directory / "python" / "layer_module.py").write_text(f"VERSION = {version}\n", encoding="utf-8")
        directories.append(directory)
    return FlagProbe((directories[0], directories[1]))


def _layer_change_publishes_a_version(probe: FlagProbe, without: str | None) -> bool:
    return probe.changes_on_change(without, "AWS::Lambda::Version")


def _authorizer_change_deploys(probe: FlagProbe, without: str | None) -> bool:
    return probe.changes_on_change(without, "AWS::ApiGateway::Deployment")


def _access_log_arn_has_no_wildcard(probe: FlagProbe, without: str | None) -> bool:
    (stage,) = (
        resource["Properties"]
        for resource in probe.template(without, FIRST)["Resources"].values()
        if resource["Type"] == "AWS::ApiGateway::Stage"
    )
    return "Fn::GetAtt" not in stage["AccessLogSetting"]["DestinationArn"]


def _statements_of_the_function_role(probe: FlagProbe, without: str | None) -> int:
    return sum(
        len(resource["Properties"]["PolicyDocument"]["Statement"])
        for name, resource in probe.template(without, FIRST)["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and name.startswith("HandlerRole")
    )


def _weakened_defaults_are_findings(_: FlagProbe, without: str | None) -> bool:
    stack = Stack(App(context=_context(without)), "Annotations")
    UserDirectory(stack, "Users", props=UserDirectoryProps(removal_policy=RemovalPolicy.DESTROY))
    return any("weakened-default" in finding.rule_id for finding in nag_findings(stack))


EFFECTS: Mapping[str, Callable[[FlagProbe, str | None], object]] = {
    LAYER_FLAG: _layer_change_publishes_a_version,
    AUTHORIZER_FLAG: _authorizer_change_deploys,
    ACCESS_LOG_FLAG: _access_log_arn_has_no_wildcard,
    MINIMIZE_FLAG: _statements_of_the_function_role,
    ANNOTATIONS_FLAG: _weakened_defaults_are_findings,
}


def test_the_readme_names_the_flags_checked_here() -> None:
    assert set(documented_flags()) == set(EFFECTS)


def test_cdk_json_sets_every_documented_flag_to_its_documented_value() -> None:
    context = cdk_context()

    assert {flag: context.get(flag) for flag in documented_flags()} == documented_flags()


@pytest.mark.parametrize("flag", [LAYER_FLAG, AUTHORIZER_FLAG, ACCESS_LOG_FLAG, ANNOTATIONS_FLAG])
def test_the_flag_turns_on_what_the_readme_says(probe: FlagProbe, flag: str) -> None:
    effect = EFFECTS[flag]

    assert (effect(probe, None), effect(probe, flag)) == (True, False)


def test_minimize_policies_merges_the_grants_into_fewer_statements(probe: FlagProbe) -> None:
    with_flag = _statements_of_the_function_role(probe, None)
    without_flag = _statements_of_the_function_role(probe, MINIMIZE_FLAG)

    assert with_flag < without_flag
