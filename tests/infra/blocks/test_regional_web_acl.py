"""RegionalWebAcl: every default in the template, every override honoured, nag- and lint-clean alone.

The last variant puts the web ACL in front of a CognitoRestApi, the combination it is built for.
"""

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_

from serverless_blocks import (
    DEFAULT_MANAGED_RULE_GROUPS,
    CognitoRestApi,
    CognitoRestApiProps,
    RegionalWebAcl,
    RegionalWebAclProps,
)
from tests.infra.blocks.block_synthesis import STACK_NAME, SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template
from tests.infra.nag_check import acknowledgments, assert_nag_clean

ACCOUNT = "123456789012"
WEB_ACL = "AWS::WAFv2::WebACL"
VISIBLE = {"CloudWatchMetricsEnabled": True, "SampledRequestsEnabled": True}


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[RegionalWebAcl]:
    def build(stack: Stack) -> RegionalWebAcl:
        return RegionalWebAcl(stack, "Firewall", props=RegionalWebAclProps())

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[RegionalWebAcl]:
    def build(stack: Stack) -> RegionalWebAcl:
        props = RegionalWebAclProps(
            managed_rule_groups=("AWSManagedRulesAmazonIpReputationList",),
            rate_limit_per_5_minutes=200,
            name="api-firewall",
            description="Firewall of the example API",
        )
        return RegionalWebAcl(stack, "Firewall", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


@pytest.fixture(scope="module")
def protecting_an_api(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[CognitoRestApi]:
    def build(stack: Stack) -> CognitoRestApi:
        firewall = RegionalWebAcl(stack, "Firewall", props=RegionalWebAclProps())
        user_pool = cognito.UserPool.from_user_pool_arn(
            stack, "Pool", f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_Example"
        )
        api = CognitoRestApi(
            stack, "Api", props=CognitoRestApiProps(user_pool=user_pool, web_acl_arn=firewall.arn)
        )
        handler = lambda_.Function.from_function_attributes(
            stack,
            "Items",
            function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:items",
            same_environment=True,
        )
        api.add_route("GET", "/items", handler)
        return api

    return synthesize(build, tmp_path_factory.mktemp("protecting_an_api"))


def _web_acl(synthesized: SynthesizedBlock[Any]) -> dict[str, Any]:
    (web_acl,) = synthesized.template.find_resources(WEB_ACL).values()
    return web_acl["Properties"]


def _rules(synthesized: SynthesizedBlock[Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _web_acl(synthesized)["Rules"]}


def test_default_is_regional_allows_by_default_and_is_observable(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    web_acl = _web_acl(default)
    assert web_acl["Scope"] == "REGIONAL"
    assert web_acl["DefaultAction"] == {"Allow": {}}
    assert web_acl["VisibilityConfig"]["MetricName"].startswith(f"{STACK_NAME}Firewall")
    assert web_acl["VisibilityConfig"] | VISIBLE == web_acl["VisibilityConfig"]
    assert "Name" not in web_acl


def test_default_applies_the_aws_managed_rule_groups_with_their_own_actions(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    rules = _rules(default)
    for priority, name in enumerate(DEFAULT_MANAGED_RULE_GROUPS):
        assert rules[name] == {
            "Name": name,
            "Priority": priority,
            "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
            "VisibilityConfig": {"MetricName": name, **VISIBLE},
        }
    assert set(DEFAULT_MANAGED_RULE_GROUPS) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    }


def test_default_blocks_an_ip_above_1000_requests_in_5_minutes(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert _rules(default)["RateLimitPerIp"] == {
        "Name": "RateLimitPerIp",
        "Priority": len(DEFAULT_MANAGED_RULE_GROUPS),
        "Action": {"Block": {}},
        "Statement": {
            "RateBasedStatement": {"Limit": 1000, "AggregateKeyType": "IP", "EvaluationWindowSec": 300}
        },
        "VisibilityConfig": {"MetricName": "RateLimitPerIp", **VISIBLE},
    }


def test_default_exposes_the_web_acl_and_its_arn(default: SynthesizedBlock[RegionalWebAcl]) -> None:
    (logical_id,) = default.template.find_resources(WEB_ACL)
    assert default.stack.resolve(default.block.arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert default.stack.get_logical_id(default.block.web_acl) == logical_id


def test_default_is_nag_and_lint_clean_without_acknowledgments(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert acknowledgments(default.stack) == []
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[RegionalWebAcl]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_rule_groups_rate_limit_name_and_description(
    overridden: SynthesizedBlock[RegionalWebAcl],
) -> None:
    web_acl = _web_acl(overridden)
    assert (web_acl["Name"], web_acl["Description"]) == ("api-firewall", "Firewall of the example API")
    assert web_acl["VisibilityConfig"]["MetricName"] == "api-firewall"
    rules = _rules(overridden)
    assert list(rules) == ["AWSManagedRulesAmazonIpReputationList", "RateLimitPerIp"]
    assert rules["RateLimitPerIp"]["Priority"] == 1
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]["Limit"] == 200


def test_override_is_nag_and_lint_clean(overridden: SynthesizedBlock[RegionalWebAcl]) -> None:
    assert_nag_clean(overridden.nag_findings)
    assert lint_template(overridden.template.to_json()) == []
    assert weakened_defaults(overridden.stack) == set()


def test_without_managed_rule_groups_only_the_rate_rule_remains_and_it_warns() -> None:
    stack = Stack()
    firewall = RegionalWebAcl(stack, "Firewall", props=RegionalWebAclProps(managed_rule_groups=()))
    rules = stack.resolve(firewall.web_acl.rules)
    assert [(rule["name"], rule["priority"]) for rule in rules] == [("RateLimitPerIp", 0)]
    assert weakened_defaults(firewall) == {"managed_rule_groups"}


def test_web_acl_is_associated_with_the_api_stage(
    protecting_an_api: SynthesizedBlock[CognitoRestApi],
) -> None:
    (web_acl_id,) = protecting_an_api.template.find_resources(WEB_ACL)
    stage_id = protecting_an_api.stack.get_logical_id(protecting_an_api.block.stage.node.default_child)
    (association,) = protecting_an_api.template.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [web_acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_api_behind_the_web_acl_needs_no_waf_acknowledgment(
    protecting_an_api: SynthesizedBlock[CognitoRestApi],
) -> None:
    assert_nag_clean(protecting_an_api.nag_findings)
    assert "AwsSolutions-APIG3" not in {ack.rule_id for ack in acknowledgments(protecting_an_api.stack)}
    assert lint_template(protecting_an_api.template.to_json()) == []
