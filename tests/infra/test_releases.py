"""Every function is released through its `live` alias: callers invoke the alias, CodeDeploy shifts it.

dev shifts all at once, prod by a 10% canary for 5 minutes; both roll back on the alias's alarms.
"""

import json
from typing import Any

import pytest

from tests.infra.conftest import SynthesizedApp

STACKS_WITH_FUNCTIONS = ("data", "api", "realtime")
ALL_FUNCTIONS = 7
# prod shards its fan-out (cdk.json shardedFanout), which adds the sender function.
FUNCTIONS = {"dev": ALL_FUNCTIONS, "prod": ALL_FUNCTIONS + 1}
# CDK's handler of the bucket-notification custom resource: only CloudFormation calls it, at deploy time.
DEPLOY_TIME_HANDLER = "BucketNotificationsHandler"


def resources(app: SynthesizedApp, resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        f"{stack}/{logical_id}": resource
        for stack in STACKS_WITH_FUNCTIONS
        for logical_id, resource in app.template(stack)["Resources"].items()
        if resource["Type"] == resource_type
    }


def alias_ids(app: SynthesizedApp) -> set[str]:
    return {key.split("/")[1] for key in resources(app, "AWS::Lambda::Alias")}


def test_every_function_has_a_live_alias_on_its_current_version(dev_app: SynthesizedApp) -> None:
    functions = {
        key: function
        for key, function in resources(dev_app, "AWS::Lambda::Function").items()
        if not key.split("/")[1].startswith(DEPLOY_TIME_HANDLER)
    }
    aliases = resources(dev_app, "AWS::Lambda::Alias").values()

    assert len(functions) == ALL_FUNCTIONS
    assert {alias["Properties"]["Name"] for alias in aliases} == {"live"}
    assert {alias["Properties"]["FunctionName"]["Ref"] for alias in aliases} == {
        key.split("/")[1] for key in functions
    }


@pytest.mark.parametrize(
    ("environment", "config_name"),
    [
        ("dev", "CodeDeployDefault.LambdaAllAtOnce"),
        ("prod", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
    ],
)
def test_codedeploy_shifts_each_alias_as_the_environment_says_and_rolls_back_on_alarms(
    environment: str, config_name: str, request: pytest.FixtureRequest
) -> None:
    app: SynthesizedApp = request.getfixturevalue(f"{environment}_app")
    groups = resources(app, "AWS::CodeDeploy::DeploymentGroup").values()

    assert len(groups) == FUNCTIONS[environment]
    for group in groups:
        properties = group["Properties"]
        assert properties["DeploymentConfigName"] == config_name
        assert set(properties["AutoRollbackConfiguration"]["Events"]) >= {"DEPLOYMENT_STOP_ON_ALARM"}
        assert len(properties["AlarmConfiguration"]["Alarms"]) == 2
    # One CodeDeploy application per stack holds all of that stack's deployment groups.
    assert len(resources(app, "AWS::CodeDeploy::Application")) == len(STACKS_WITH_FUNCTIONS)


def test_nothing_invokes_a_function_except_through_its_alias(dev_app: SynthesizedApp) -> None:
    aliases = alias_ids(dev_app)
    callers = {
        "AWS::ApiGateway::Method": lambda p: p.get("Integration", {}).get("Uri"),
        "AWS::ApiGateway::Authorizer": lambda p: p.get("AuthorizerUri"),
        "AWS::ApiGatewayV2::Integration": lambda p: p.get("IntegrationUri"),
        "AWS::ApiGatewayV2::Authorizer": lambda p: p.get("AuthorizerUri"),
        "AWS::Lambda::EventSourceMapping": lambda p: p.get("FunctionName"),
        "AWS::Lambda::Permission": lambda p: p.get("FunctionName"),
    }
    checked = 0
    for resource_type, target in callers.items():
        for key, resource in resources(dev_app, resource_type).items():
            reference = target(resource["Properties"])
            if reference is None:
                continue
            checked += 1
            assert any(alias in json.dumps(reference) for alias in aliases), f"{key} calls {reference}"
    assert checked > ALL_FUNCTIONS


def test_s3_notifies_the_uploads_alias(dev_app: SynthesizedApp) -> None:
    (notifications,) = [
        resource
        for resource in dev_app.template("data")["Resources"].values()
        if resource["Type"] == "Custom::S3BucketNotifications"
    ]

    assert any(alias in json.dumps(notifications["Properties"]) for alias in alias_ids(dev_app))
