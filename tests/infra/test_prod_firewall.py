"""Prod's WAF agrees with the API: it lets through what the API accepts, answers in the API's error shape,
and limits each caller on its own so that one caller's flood never uses up another's budget.

The limit the API enforces is read from the handler code itself (``api.request_screen``), so the firewall and
the function cannot drift apart unnoticed.
"""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from api.request_screen import MAX_BODY_BYTES
from stacks.config import load_environment
from tests.infra.conftest import SynthesizedApp, cdk_context

PROD = load_environment(cdk_context()["environments"], "prod")
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# Every rule of the common rule set that looks inside the body. The API parses bodies as JSON data, stores
# text as text and never renders, fetches or opens it, so these patterns are not attacks on it.
BODY_RULES = {
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
}
# The longest task the API accepts (title 200, description 4,000 characters) in CJK characters: three
# bytes each in UTF-8 (browsers' JSON.stringify), six as \uXXXX escapes (Python's json.dumps by default).
LARGEST_TASK = {"title": "題" * 200, "description": "説" * 4000}
LARGEST_TASK_BODIES = {
    "utf-8": json.dumps(LARGEST_TASK, ensure_ascii=False).encode(),
    "escaped": json.dumps(LARGEST_TASK).encode(),
}


@pytest.fixture(scope="module")
def api(prod_app: SynthesizedApp) -> Template:
    return Template.from_json(prod_app.template("api"))


@pytest.fixture(scope="module")
def web_acl(api: Template) -> dict[str, Any]:
    (acl,) = api.find_resources("AWS::WAFv2::WebACL").values()
    return acl["Properties"]


@pytest.fixture(scope="module")
def rules(web_acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl["Rules"]}


def _custom_response(web_acl: dict[str, Any], rule: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The status and parsed JSON body a rule's Block action answers with."""
    response = rule["Action"]["Block"]["CustomResponse"]
    body = web_acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    return response["ResponseCode"], json.loads(body["Content"])


def test_the_rest_stage_sits_behind_the_web_acl_with_the_aws_managed_rule_groups(
    api: Template, rules: dict[str, dict[str, Any]]
) -> None:
    api.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in rules.values()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {COMMON_RULE_SET, "AWSManagedRulesKnownBadInputsRuleSet"}


@pytest.mark.parametrize("encoding", LARGEST_TASK_BODIES)
def test_the_largest_valid_task_is_over_the_common_rule_sets_8_kb_and_within_the_apis_limit(
    encoding: str,
) -> None:
    assert 8 * 1024 < len(LARGEST_TASK_BODIES[encoding]) <= MAX_BODY_BYTES


def test_body_rules_of_the_common_rule_set_only_count(rules: dict[str, dict[str, Any]]) -> None:
    statement = rules[COMMON_RULE_SET]["Statement"]["ManagedRuleGroupStatement"]
    overrides = {override["Name"]: override["ActionToUse"] for override in statement["RuleActionOverrides"]}
    assert overrides == {key: {"Count": {}} for key in BODY_RULES}
    assert rules[COMMON_RULE_SET]["OverrideAction"] == {"None": {}}


def test_bodies_over_the_apis_limit_are_blocked_with_its_413(
    web_acl: dict[str, Any], rules: dict[str, dict[str, Any]]
) -> None:
    rule = rules["BodySizeLimit"]
    assert rule["Statement"] == {
        "SizeConstraintStatement": {
            "FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
            "ComparisonOperator": "GT",
            "Size": MAX_BODY_BYTES,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    status, body = _custom_response(web_acl, rule)
    assert status == 413
    assert body["error"] == "payload_too_large"
    assert str(MAX_BODY_BYTES) in body["message"]


def test_waf_inspects_as_much_of_the_body_as_the_api_accepts(web_acl: dict[str, Any]) -> None:
    # A body past the inspection limit counts as oversize, and the size rule matches oversize bodies.
    inspected_kb = web_acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"]
    assert int(inspected_kb.removeprefix("KB_")) * 1024 == MAX_BODY_BYTES


def test_every_rule_the_web_acl_blocks_with_answers_in_the_api_error_shape(
    web_acl: dict[str, Any], rules: dict[str, dict[str, Any]]
) -> None:
    blocking = [rule for rule in rules.values() if "Block" in rule.get("Action", {})]
    assert {rule["Name"] for rule in blocking} == {"RateLimitPerCaller", "RateLimitPerIp", "BodySizeLimit"}
    for rule in blocking:
        status, body = _custom_response(web_acl, rule)
        assert set(body) == {"error", "message"}, rule["Name"]
        assert body["message"].endswith("."), rule["Name"]
        assert status in {413, 429}, rule["Name"]


def test_a_managed_rules_block_answers_403_request_blocked_through_the_gateway(api: Template) -> None:
    (response,) = [
        resource["Properties"]
        for resource in api.find_resources("AWS::ApiGateway::GatewayResponse").values()
        if resource["Properties"]["ResponseType"] == "WAF_FILTERED"
    ]
    assert response["StatusCode"] == "403"
    assert response["ResponseTemplates"]["application/json"].startswith('{"error": "request_blocked"')


def test_each_caller_token_has_its_own_rate_limit(
    web_acl: dict[str, Any], rules: dict[str, dict[str, Any]]
) -> None:
    rule = rules["RateLimitPerCaller"]
    assert rule["Statement"] == {
        "RateBasedStatement": {
            "AggregateKeyType": "CUSTOM_KEYS",
            "CustomKeys": [
                {
                    "Header": {
                        "Name": "authorization",
                        "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                    }
                }
            ],
            "Limit": PROD.waf_caller_rate_limit_per_5_minutes,
            "EvaluationWindowSec": 300,
        }
    }
    status, body = _custom_response(web_acl, rule)
    assert (status, body["error"]) == (429, "throttled")


def test_each_address_has_its_own_higher_rate_limit(
    web_acl: dict[str, Any], rules: dict[str, dict[str, Any]]
) -> None:
    statement = rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == PROD.waf_rate_limit_per_5_minutes
    assert PROD.waf_caller_rate_limit_per_5_minutes < PROD.waf_rate_limit_per_5_minutes
    status, body = _custom_response(web_acl, rules["RateLimitPerIp"])
    assert (status, body["error"]) == (429, "throttled")


def test_a_caller_is_limited_before_its_address_so_its_blocked_flood_is_not_counted_against_neighbours(
    rules: dict[str, dict[str, Any]],
) -> None:
    priorities = {name: rule["Priority"] for name, rule in rules.items()}
    assert priorities["RateLimitPerCaller"] < priorities["RateLimitPerIp"]
    assert priorities["RateLimitPerIp"] < min(
        priority for name, priority in priorities.items() if name.startswith("AWSManagedRules")
    )


def test_the_prod_caller_limit_comes_from_cdk_json() -> None:
    assert cdk_context()["environments"]["prod"]["wafCallerRateLimitPer5Minutes"] == (
        PROD.waf_caller_rate_limit_per_5_minutes
    )
