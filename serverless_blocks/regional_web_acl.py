"""A regional AWS WAF web ACL for API Gateway stages: AWS managed rule groups plus a per-IP rate limit.

Example::

    firewall = RegionalWebAcl(self, "Firewall", props=RegionalWebAclProps(rate_limit_per_5_minutes=500))
    api = CognitoRestApi(
        self, "Api", props=CognitoRestApiProps(user_pool=users.user_pool, web_acl_arn=firewall.arn)
    )
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Names
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_blocks.compliance import warn_weakened_default

__all__ = ["DEFAULT_MANAGED_RULE_GROUPS", "RegionalWebAcl", "RegionalWebAclProps"]

# OWASP-style exploits (Core rule set, 700 WCU) and request patterns known to be malicious, such as
# Log4Shell (200 WCU): together with the rate rule well inside the 1,500 WCU that the base price covers.
DEFAULT_MANAGED_RULE_GROUPS: Final = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
_MANAGED_RULE_VENDOR: Final = "AWS"
_RATE_RULE_NAME: Final = "RateLimitPerIp"
# WAF counts a rate-based rule's requests over a sliding window; five minutes is its default.
_RATE_WINDOW_SECONDS: Final = 300


@dataclass(frozen=True, kw_only=True)
class RegionalWebAclProps:
    """Which AWS managed rule groups to apply and how many requests one IP may send in five minutes."""

    managed_rule_groups: Sequence[str] = DEFAULT_MANAGED_RULE_GROUPS
    rate_limit_per_5_minutes: int = 1000
    name: str | None = None
    description: str | None = None


class RegionalWebAcl(Construct):
    """WAFv2 web ACL (scope REGIONAL) that allows by default and blocks what its rules match.

    Every rule publishes CloudWatch metrics and keeps sampled requests, so a blocked caller can be
    traced to the rule that blocked it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: RegionalWebAclProps) -> None:
        super().__init__(scope, construct_id)
        managed_rules = [
            _managed_rule_group(name, priority) for priority, name in enumerate(props.managed_rule_groups)
        ]
        rate_rule = _rate_rule(props.rate_limit_per_5_minutes, priority=len(managed_rules))
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(props.name or Names.unique_resource_name(self, max_length=128)),
            rules=[*managed_rules, rate_rule],
            name=props.name,
            description=props.description,
        )
        self.arn = self.web_acl.attr_arn
        if not props.managed_rule_groups:
            warn_weakened_default(
                self,
                "managed_rule_groups",
                "requests are only rate-limited; no rule looks for common exploits or known bad inputs.",
            )


def _managed_rule_group(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Apply an AWS managed rule group with its own actions (override ``none`` keeps its blocks)."""
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name=_MANAGED_RULE_VENDOR, name=name
            )
        ),
        visibility_config=_visibility(name),
    )


def _rate_rule(limit: int, *, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Block an IP address for as long as it sends more than ``limit`` requests in five minutes."""
    return wafv2.CfnWebACL.RuleProperty(
        name=_RATE_RULE_NAME,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=_RATE_WINDOW_SECONDS
            )
        ),
        visibility_config=_visibility(_RATE_RULE_NAME),
    )


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )
