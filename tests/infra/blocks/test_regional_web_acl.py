"""RegionalWebAcl: every default in the template, every override honoured, nag- and lint-clean alone.

The last variant puts the web ACL in front of a CognitoRestApi, the combination it is built for.
"""

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_

from serverless_blocks import (
    COMMON_RULE_SET_BODY_RULES,
    DEFAULT_MANAGED_RULE_GROUPS,
    MAX_INSPECTABLE_BODY_BYTES,
    BodySizeLimitError,
    CognitoRestApi,
    CognitoRestApiProps,
    ManagedRuleGroup,
    RegionalWebAcl,
    RegionalWebAclProps,
)
from serverless_blocks.testing import acknowledgments, assert_nag_clean
from tests.infra.blocks.block_synthesis import STACK_NAME, SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

ACCOUNT = "123456789012"
WEB_ACL = "AWS::WAFv2::WebACL"
VISIBLE = {"CloudWatchMetricsEnabled": True, "SampledRequestsEnabled": True}
AS_SENT = [{"Priority": 0, "Type": "NONE"}]
OWN_RULES = ["RateLimitPerCaller", "RateLimitPerIp", "BodySizeLimit"]
CORS = {"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Origin"}


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[RegionalWebAcl]:
    def build(stack: Stack) -> RegionalWebAcl:
        return RegionalWebAcl(stack, "Firewall", props=RegionalWebAclProps())

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[RegionalWebAcl]:
    def build(stack: Stack) -> RegionalWebAcl:
        props = RegionalWebAclProps(
            managed_rule_groups=(
                ManagedRuleGroup(name="AWSManagedRulesAmazonIpReputationList"),
                ManagedRuleGroup(name="AWSManagedRulesSQLiRuleSet", count_rules=("SQLi_BODY",)),
            ),
            max_body_bytes=20_000,
            caller_header="x-api-key",
            caller_rate_limit_per_5_minutes=100,
            rate_limit_per_5_minutes=400,
            response_headers=CORS,
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


def _answer(synthesized: SynthesizedBlock[Any], rule_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rule's custom response and the JSON body it points at."""
    web_acl = _web_acl(synthesized)
    response = _rules(synthesized)[rule_name]["Action"]["Block"]["CustomResponse"]
    body = web_acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    return response, json.loads(body["Content"])


def _resolved_rules(props: RegionalWebAclProps) -> tuple[RegionalWebAcl, list[dict[str, Any]]]:
    """Build without synthesizing: enough to see which rules a variant gets and what it warns about."""
    stack = Stack()
    firewall = RegionalWebAcl(stack, "Firewall", props=props)
    return firewall, stack.resolve(firewall.web_acl.rules)


def test_default_is_regional_allows_by_default_and_is_observable(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    web_acl = _web_acl(default)
    assert web_acl["Scope"] == "REGIONAL"
    assert web_acl["DefaultAction"] == {"Allow": {}}
    assert web_acl["VisibilityConfig"]["MetricName"].startswith(f"{STACK_NAME}Firewall")
    assert web_acl["VisibilityConfig"] | VISIBLE == web_acl["VisibilityConfig"]
    assert "Name" not in web_acl
    for rule in web_acl["Rules"]:
        assert rule["VisibilityConfig"] == {"MetricName": rule["Name"], **VISIBLE}


def test_default_runs_its_own_rules_first_caller_before_address(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    rules = _web_acl(default)["Rules"]
    managed = [group.name for group in DEFAULT_MANAGED_RULE_GROUPS]
    assert [(rule["Name"], rule["Priority"]) for rule in rules] == list(
        zip([*OWN_RULES, *managed], range(len(rules)), strict=True)
    )


def test_default_counts_the_core_rule_sets_body_rules_and_keeps_every_other_block(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    rules = _rules(default)
    assert rules["AWSManagedRulesCommonRuleSet"] == {
        "Name": "AWSManagedRulesCommonRuleSet",
        "Priority": 3,
        "OverrideAction": {"None": {}},
        "Statement": {
            "ManagedRuleGroupStatement": {
                "VendorName": "AWS",
                "Name": "AWSManagedRulesCommonRuleSet",
                "RuleActionOverrides": [
                    {"Name": name, "ActionToUse": {"Count": {}}} for name in COMMON_RULE_SET_BODY_RULES
                ],
            }
        },
        "VisibilityConfig": {"MetricName": "AWSManagedRulesCommonRuleSet", **VISIBLE},
    }
    assert set(COMMON_RULE_SET_BODY_RULES) == {
        "SizeRestrictions_BODY",
        "CrossSiteScripting_BODY",
        "GenericLFI_BODY",
        "GenericRFI_BODY",
        "EC2MetaDataSSRF_BODY",
    }
    assert rules["AWSManagedRulesKnownBadInputsRuleSet"]["Statement"] == {
        "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesKnownBadInputsRuleSet"}
    }
    assert rules["AWSManagedRulesKnownBadInputsRuleSet"]["OverrideAction"] == {"None": {}}


def test_default_limits_each_authorization_header_to_500_requests_in_5_minutes_with_a_429(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert _rules(default)["RateLimitPerCaller"]["Statement"] == {
        "RateBasedStatement": {
            "Limit": 500,
            "AggregateKeyType": "CUSTOM_KEYS",
            "CustomKeys": [{"Header": {"Name": "authorization", "TextTransformations": AS_SENT}}],
            "EvaluationWindowSec": 300,
        }
    }
    response, body = _answer(default, "RateLimitPerCaller")
    assert response == {"ResponseCode": 429, "CustomResponseBodyKey": "caller_throttled"}
    assert body == {
        "error": "throttled",
        "message": "More than 500 requests in the last 5 minutes came from this caller. "
        "Wait, then retry more slowly.",
    }


def test_default_limits_each_ip_to_2000_requests_in_5_minutes_with_a_429(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert _rules(default)["RateLimitPerIp"]["Statement"] == {
        "RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP", "EvaluationWindowSec": 300}
    }
    response, body = _answer(default, "RateLimitPerIp")
    assert response == {"ResponseCode": 429, "CustomResponseBodyKey": "ip_throttled"}
    assert body["error"] == "throttled"
    assert body["message"].startswith(
        "More than 2000 requests in the last 5 minutes came from this IP address."
    )


def test_default_blocks_bodies_over_64_kib_with_a_413_and_inspects_that_much(
    default: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert _rules(default)["BodySizeLimit"]["Statement"] == {
        "SizeConstraintStatement": {
            "FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
            "ComparisonOperator": "GT",
            "Size": 65536,
            "TextTransformations": AS_SENT,
        }
    }
    response, body = _answer(default, "BodySizeLimit")
    assert response == {"ResponseCode": 413, "CustomResponseBodyKey": "payload_too_large"}
    assert body == {
        "error": "payload_too_large",
        "message": "The request body is larger than 65536 bytes. Send a smaller body.",
    }
    assert _web_acl(default)["AssociationConfig"] == {
        "RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_64"}}
    }
    assert MAX_INSPECTABLE_BODY_BYTES == 65536


def test_default_has_one_json_body_per_own_block(default: SynthesizedBlock[RegionalWebAcl]) -> None:
    assert set(_web_acl(default)["CustomResponseBodies"]) == {
        "caller_throttled",
        "ip_throttled",
        "payload_too_large",
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


def test_override_name_and_description(overridden: SynthesizedBlock[RegionalWebAcl]) -> None:
    web_acl = _web_acl(overridden)
    assert (web_acl["Name"], web_acl["Description"]) == ("api-firewall", "Firewall of the example API")
    assert web_acl["VisibilityConfig"]["MetricName"] == "api-firewall"


def test_override_rule_groups_and_the_rules_that_only_count(
    overridden: SynthesizedBlock[RegionalWebAcl],
) -> None:
    rules = _rules(overridden)
    assert list(rules) == [*OWN_RULES, "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesSQLiRuleSet"]
    assert (
        "RuleActionOverrides"
        not in (rules["AWSManagedRulesAmazonIpReputationList"]["Statement"]["ManagedRuleGroupStatement"])
    )
    assert rules["AWSManagedRulesSQLiRuleSet"]["Statement"]["ManagedRuleGroupStatement"][
        "RuleActionOverrides"
    ] == [{"Name": "SQLi_BODY", "ActionToUse": {"Count": {}}}]


def test_override_caller_header_and_both_limits(overridden: SynthesizedBlock[RegionalWebAcl]) -> None:
    rules = _rules(overridden)
    caller = rules["RateLimitPerCaller"]["Statement"]["RateBasedStatement"]
    assert caller["CustomKeys"] == [{"Header": {"Name": "x-api-key", "TextTransformations": AS_SENT}}]
    assert caller["Limit"] == 100
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]["Limit"] == 400
    assert _answer(overridden, "RateLimitPerCaller")[1]["message"].startswith("More than 100 requests")


def test_override_body_limit_inspects_the_next_16_kb_step(
    overridden: SynthesizedBlock[RegionalWebAcl],
) -> None:
    assert _rules(overridden)["BodySizeLimit"]["Statement"]["SizeConstraintStatement"]["Size"] == 20_000
    assert _web_acl(overridden)["AssociationConfig"] == {
        "RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_32"}}
    }
    assert "20000 bytes" in _answer(overridden, "BodySizeLimit")[1]["message"]


def test_override_response_headers_go_on_every_own_answer(
    overridden: SynthesizedBlock[RegionalWebAcl],
) -> None:
    headers = [{"Name": name, "Value": value} for name, value in CORS.items()]
    for rule in OWN_RULES:
        assert _answer(overridden, rule)[0]["ResponseHeaders"] == headers, rule


def test_override_is_nag_and_lint_clean(overridden: SynthesizedBlock[RegionalWebAcl]) -> None:
    assert_nag_clean(overridden.nag_findings)
    assert lint_template(overridden.template.to_json()) == []
    assert weakened_defaults(overridden.stack) == set()


@pytest.mark.parametrize(
    ("max_body_bytes", "inspected"),
    [
        (1, "KB_16"),
        (16_384, "KB_16"),
        (16_385, "KB_32"),
        (49_152, "KB_48"),
        (49_153, "KB_64"),
        (65_536, "KB_64"),
    ],
)
def test_body_inspection_covers_the_whole_allowed_body(max_body_bytes: int, inspected: str) -> None:
    stack = Stack()
    firewall = RegionalWebAcl(stack, "Firewall", props=RegionalWebAclProps(max_body_bytes=max_body_bytes))
    association = stack.resolve(firewall.web_acl.association_config)
    assert association == {"requestBody": {"API_GATEWAY": {"defaultSizeInspectionLimit": inspected}}}


@pytest.mark.parametrize("max_body_bytes", [0, MAX_INSPECTABLE_BODY_BYTES + 1])
def test_a_body_limit_waf_cannot_see_is_refused(max_body_bytes: int) -> None:
    with pytest.raises(BodySizeLimitError, match=rf"max_body_bytes={max_body_bytes} is outside 1\.\.65536"):
        RegionalWebAcl(Stack(), "Firewall", props=RegionalWebAclProps(max_body_bytes=max_body_bytes))


def test_without_a_body_limit_there_is_no_size_rule_and_it_warns() -> None:
    firewall, rules = _resolved_rules(RegionalWebAclProps(max_body_bytes=None))
    assert "BodySizeLimit" not in {rule["name"] for rule in rules}
    assert firewall.web_acl.association_config is None
    assert weakened_defaults(firewall) == {"max_body_bytes"}


def test_without_a_caller_header_only_addresses_are_limited_and_it_warns() -> None:
    firewall, rules = _resolved_rules(RegionalWebAclProps(caller_header=None))
    assert [rule["name"] for rule in rules][:2] == ["RateLimitPerIp", "BodySizeLimit"]
    assert weakened_defaults(firewall) == {"caller_header"}


@pytest.mark.parametrize("ip_limit", [500, 499])
def test_an_ip_limit_not_above_the_caller_limit_warns(ip_limit: int) -> None:
    firewall, _ = _resolved_rules(
        RegionalWebAclProps(caller_rate_limit_per_5_minutes=500, rate_limit_per_5_minutes=ip_limit)
    )
    assert weakened_defaults(firewall) == {"rate_limit_per_5_minutes"}


def test_without_managed_rule_groups_only_its_own_rules_remain_and_it_warns() -> None:
    firewall, rules = _resolved_rules(RegionalWebAclProps(managed_rule_groups=()))
    assert [(rule["name"], rule["priority"]) for rule in rules] == list(zip(OWN_RULES, range(3), strict=True))
    assert weakened_defaults(firewall) == {"managed_rule_groups"}


def test_web_acl_is_associated_with_the_api_stage(
    protecting_an_api: SynthesizedBlock[CognitoRestApi],
) -> None:
    (web_acl_id,) = protecting_an_api.template.find_resources(WEB_ACL)
    stage_id = protecting_an_api.stack.get_logical_id(protecting_an_api.block.stage.node.default_child)
    (association,) = protecting_an_api.template.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [web_acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_the_api_answers_a_managed_rules_block_as_json_403(
    protecting_an_api: SynthesizedBlock[CognitoRestApi],
) -> None:
    protecting_an_api.template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "WAF_FILTERED",
            "StatusCode": "403",
            "ResponseTemplates": {
                "application/json": '{"error": "request_blocked", "message": $context.error.messageString}'
            },
        },
    )


def test_api_behind_the_web_acl_needs_no_waf_acknowledgment(
    protecting_an_api: SynthesizedBlock[CognitoRestApi],
) -> None:
    assert_nag_clean(protecting_an_api.nag_findings)
    assert "AwsSolutions-APIG3" not in {ack.rule_id for ack in acknowledgments(protecting_an_api.stack)}
    assert lint_template(protecting_an_api.template.to_json()) == []
