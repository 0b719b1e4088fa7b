"""CanaryRelease: a canary shift that rolls back on the alias's alarms and on any alarm the team adds."""

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_

from serverless_blocks import CanaryRelease, CanaryReleaseProps
from serverless_blocks.testing import assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize
from tests.infra.cfn_lint_check import lint_template

CANARY = codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CanaryRelease]:
    def build(stack: Stack) -> CanaryRelease:
        function = lambda_.Function(
            stack,
            "Fn",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
            handler="index.handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
        )
        latency = cloudwatch.Alarm(
            stack,
            "Latency",
            metric=function.metric_duration(),
            threshold=1000,
            evaluation_periods=1,
        )
        props = CanaryReleaseProps(
            alias_name="prod",
            deployment_config=CANARY,
            application=codedeploy.LambdaApplication(stack, "Releases"),
            error_threshold=5,
            throttle_threshold=10,
            extra_rollback_alarms=(latency,),
        )
        return CanaryRelease(stack, "Release", function=function, props=props)

    return synthesize(build, tmp_path_factory.mktemp("canary"))


def test_traffic_shifts_by_the_given_config_within_the_given_application(
    canary: SynthesizedBlock[CanaryRelease],
) -> None:
    application = canary.stack.get_logical_id(canary.stack.node.find_child("Releases").node.default_child)
    canary.template.resource_count_is("AWS::CodeDeploy::Application", 1)
    canary.template.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "ApplicationName": {"Ref": application},
            "DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            "DeploymentStyle": {"DeploymentOption": "WITH_TRAFFIC_CONTROL", "DeploymentType": "BLUE_GREEN"},
        },
    )
    canary.template.has_resource_properties("AWS::Lambda::Alias", {"Name": "prod"})


def test_the_alias_is_updated_by_codedeploy_not_by_cloudformation(
    canary: SynthesizedBlock[CanaryRelease],
) -> None:
    (alias,) = canary.template.find_resources("AWS::Lambda::Alias").values()
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]


def test_errors_throttles_and_the_teams_alarm_all_roll_back(canary: SynthesizedBlock[CanaryRelease]) -> None:
    canary.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "Errors", "Threshold": 5, "Period": 60, "TreatMissingData": "notBreaching"},
    )
    canary.template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "Throttles", "Threshold": 10, "Period": 60}
    )
    (group,) = canary.template.find_resources("AWS::CodeDeploy::DeploymentGroup").values()
    alarms = group["Properties"]["AlarmConfiguration"]
    assert alarms["Enabled"] is True
    assert len(alarms["Alarms"]) == 3


def test_canary_is_nag_and_lint_clean(canary: SynthesizedBlock[CanaryRelease]) -> None:
    # The bare function the test releases is not under test; the release's own resources are.
    assert_nag_clean([finding for finding in canary.nag_findings if "/Release/" in finding.resource_path])
    assert_acknowledgments_justified(canary.stack)
    assert lint_template(canary.template.to_json()) == []
