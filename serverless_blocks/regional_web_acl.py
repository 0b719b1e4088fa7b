"""A regional AWS WAF web ACL for API Gateway stages: AWS managed rule groups, a body size limit, and rate
limits per caller and per IP address, each answering in JSON.

Example::

    firewall = RegionalWebAcl(
        self,
        "Firewall",
        props=RegionalWebAclProps(caller_rate_limit_per_5_minutes=300, max_body_bytes=32_768),
    )
    api = CognitoRestApi(
        self, "Api", props=CognitoRestApiProps(user_pool=users.user_pool, web_acl_arn=firewall.arn)
    )
"""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from aws_cdk import Names
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_blocks.compliance import warn_weakened_default

__all__ = [
    "COMMON_RULE_SET_BODY_RULES",
    "DEFAULT_MANAGED_RULE_GROUPS",
    "MAX_INSPECTABLE_BODY_BYTES",
    "BodySizeLimitError",
    "ManagedRuleGroup",
    "RegionalWebAcl",
    "RegionalWebAclProps",
]

# The rules of the core rule set that look inside the body. Behind a JSON API they match ordinary data
# (a description that mentions <script> or ../, a body over 8 KB), which the API validates itself.
COMMON_RULE_SET_BODY_RULES: Final = (
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
)
# API Gateway forwards at most 64 KB of a body to WAF, in steps of 16 KB (16 KB at the base price).
MAX_INSPECTABLE_BODY_BYTES: Final = 64 * 1024
_INSPECTION_STEP_BYTES: Final = 16 * 1024
_BODY_INSPECTING_RESOURCE_TYPE: Final = "API_GATEWAY"
_CALLER_RATE_RULE: Final = "RateLimitPerCaller"
_IP_RATE_RULE: Final = "RateLimitPerIp"
_BODY_SIZE_RULE: Final = "BodySizeLimit"
# WAF counts a rate-based rule's requests over a sliding window; five minutes is its default.
_RATE_WINDOW_SECONDS: Final = 300
# Headers and bodies are compared exactly as sent.
_AS_SENT: Final = [wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]


@dataclass(frozen=True, kw_only=True)
class ManagedRuleGroup:
    """An AWS managed rule group; ``count_rules`` are rules of it whose matches are counted, not blocked."""

    name: str
    vendor: str = "AWS"
    count_rules: Sequence[str] = ()


# OWASP-style exploits (core rule set, 700 WCU) and request patterns known to be malicious, such as
# Log4Shell (200 WCU): with the rate and size rules well inside the 1,500 WCU that the base price covers.
DEFAULT_MANAGED_RULE_GROUPS: Final = (
    ManagedRuleGroup(name="AWSManagedRulesCommonRuleSet", count_rules=COMMON_RULE_SET_BODY_RULES),
    ManagedRuleGroup(name="AWSManagedRulesKnownBadInputsRuleSet"),
)


class BodySizeLimitError(ValueError):
    """Raised when ``max_body_bytes`` is more than WAF can inspect, so the limit could never hold."""

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(
            f"max_body_bytes={max_body_bytes} is outside 1..{MAX_INSPECTABLE_BODY_BYTES}: WAF sees at most "
            f"{MAX_INSPECTABLE_BODY_BYTES} bytes of a body. Pass a smaller limit, or None to leave the "
            "body size to the protected resource."
        )


@dataclass(frozen=True, kw_only=True)
class RegionalWebAclProps:
    """Managed rule groups, the largest body, and how many requests one caller and one IP may send."""

    managed_rule_groups: Sequence[ManagedRuleGroup] = DEFAULT_MANAGED_RULE_GROUPS
    max_body_bytes: int | None = MAX_INSPECTABLE_BODY_BYTES
    caller_header: str | None = "authorization"
    caller_rate_limit_per_5_minutes: int = 500
    rate_limit_per_5_minutes: int = 2000
    response_headers: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    description: str | None = None


class RegionalWebAcl(Construct):
    """WAFv2 web ACL (scope REGIONAL) that allows by default and blocks what its rules match.

    Its own rules run first, in this order: the per-caller rate limit, the per-IP rate limit (a caller's
    requests blocked by its own limit never reach the per-IP count, so its neighbours keep their budget),
    the body size limit, then the managed rule groups. Its own blocks answer JSON ``{"error", "message"}``
    with 429 or 413; a managed rule's block gets the protected resource's WAF response (for API Gateway,
    the ``WAF_FILTERED`` gateway response). Every rule publishes metrics and keeps sampled requests, so
    a blocked caller can be traced to the rule that blocked it.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, props: RegionalWebAclProps | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        props = props or RegionalWebAclProps()
        if props.max_body_bytes is not None and not 1 <= props.max_body_bytes <= MAX_INSPECTABLE_BODY_BYTES:
            raise BodySizeLimitError(props.max_body_bytes)
        responses = _ResponseBodies(props.response_headers)
        own_rules = [
            *_caller_rate_rule(props, responses),
            _ip_rate_rule(props.rate_limit_per_5_minutes, responses),
            *_body_size_rule(props.max_body_bytes, responses),
        ]
        rules = [*own_rules, *(_managed_rule(group) for group in props.managed_rule_groups)]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(props.name or Names.unique_resource_name(self, max_length=128)),
            rules=[rule.at(priority) for priority, rule in enumerate(rules)],
            custom_response_bodies=responses.bodies,
            association_config=_association_config(props.max_body_bytes),
            name=props.name,
            description=props.description,
        )
        self.arn = self.web_acl.attr_arn
        self._warn_about_weakened_defaults(props)

    def _warn_about_weakened_defaults(self, props: RegionalWebAclProps) -> None:
        if not props.managed_rule_groups:
            warn_weakened_default(
                self,
                "managed_rule_groups",
                "requests are only rate-limited; no rule looks for common exploits or known bad inputs.",
            )
        if props.caller_header is None:
            warn_weakened_default(
                self,
                "caller_header",
                "callers are limited only per IP address, so one caller's flood blocks everyone behind "
                "its address and uses the protected API's shared throttle.",
            )
        elif props.caller_rate_limit_per_5_minutes >= props.rate_limit_per_5_minutes:
            warn_weakened_default(
                self,
                "rate_limit_per_5_minutes",
                "it is not above caller_rate_limit_per_5_minutes, so one caller's flood reaches its "
                "address's limit first and blocks every caller behind that address.",
            )
        if props.max_body_bytes is None:
            warn_weakened_default(
                self,
                "max_body_bytes",
                "no rule limits the body size; bodies up to the protected resource's own limit reach it.",
            )


@dataclass(frozen=True)
class _Rule:
    """One rule of the web ACL before it has a priority: the web ACL numbers its rules in one place."""

    name: str
    statement: wafv2.CfnWebACL.StatementProperty
    action: wafv2.CfnWebACL.RuleActionProperty | None = None
    override_action: wafv2.CfnWebACL.OverrideActionProperty | None = None

    def at(self, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        """The rule evaluated at ``priority``: WAF runs rules from the lowest number up."""
        return wafv2.CfnWebACL.RuleProperty(
            name=self.name,
            priority=priority,
            statement=self.statement,
            action=self.action,
            override_action=self.override_action,
            visibility_config=_visibility(self.name),
        )


class _ResponseBodies:
    """The web ACL's JSON response bodies, collected as its rules ask for them."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = [
            wafv2.CfnWebACL.CustomHTTPHeaderProperty(name=name, value=value)
            for name, value in headers.items()
        ]
        self.bodies: dict[str, wafv2.CfnWebACL.CustomResponseBodyProperty] = {}

    def block(self, key: str, status: int, error: str, message: str) -> wafv2.CfnWebACL.RuleActionProperty:
        """A Block action that answers ``status`` with ``{"error": error, "message": message}``."""
        self.bodies[key] = wafv2.CfnWebACL.CustomResponseBodyProperty(
            content_type="APPLICATION_JSON", content=json.dumps({"error": error, "message": message})
        )
        return wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=status, custom_response_body_key=key, response_headers=self._headers or None
                )
            )
        )


def _caller_rate_rule(props: RegionalWebAclProps, responses: _ResponseBodies) -> list[_Rule]:
    """Block a caller (one value of ``caller_header``) while it sends more than its limit in five minutes.

    A request without the header is not counted here; the per-IP rule still counts it.
    """
    if props.caller_header is None:
        return []
    limit = props.caller_rate_limit_per_5_minutes
    key = wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
        header=wafv2.CfnWebACL.RateLimitHeaderProperty(
            name=props.caller_header, text_transformations=_AS_SENT
        )
    )
    return [
        _Rule(
            _CALLER_RATE_RULE,
            wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=limit,
                    aggregate_key_type="CUSTOM_KEYS",
                    custom_keys=[key],
                    evaluation_window_sec=_RATE_WINDOW_SECONDS,
                )
            ),
            action=responses.block("caller_throttled", 429, "throttled", _slow_down(limit, "this caller")),
        )
    ]


def _ip_rate_rule(limit: int, responses: _ResponseBodies) -> _Rule:
    """Block an IP address while it sends more than ``limit`` requests in five minutes."""
    return _Rule(
        _IP_RATE_RULE,
        wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=_RATE_WINDOW_SECONDS
            )
        ),
        action=responses.block("ip_throttled", 429, "throttled", _slow_down(limit, "this IP address")),
    )


def _slow_down(limit: int, source: str) -> str:
    return (
        f"More than {limit} requests in the last 5 minutes came from {source}. Wait, then retry more slowly."
    )


def _body_size_rule(max_body_bytes: int | None, responses: _ResponseBodies) -> list[_Rule]:
    """Block a body over ``max_body_bytes``; a body past WAF's inspection limit counts as over it."""
    if max_body_bytes is None:
        return []
    return [
        _Rule(
            _BODY_SIZE_RULE,
            wafv2.CfnWebACL.StatementProperty(
                size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                        body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")
                    ),
                    comparison_operator="GT",
                    size=max_body_bytes,
                    text_transformations=_AS_SENT,
                )
            ),
            action=responses.block(
                "payload_too_large",
                413,
                "payload_too_large",
                f"The request body is larger than {max_body_bytes} bytes. Send a smaller body.",
            ),
        )
    ]


def _association_config(max_body_bytes: int | None) -> wafv2.CfnWebACL.AssociationConfigProperty | None:
    """Have API Gateway forward enough of each body for the size limit to see all of an allowed one."""
    if max_body_bytes is None:
        return None
    steps = math.ceil(max_body_bytes / _INSPECTION_STEP_BYTES)
    limit = f"KB_{steps * _INSPECTION_STEP_BYTES // 1024}"
    return wafv2.CfnWebACL.AssociationConfigProperty(
        request_body={
            _BODY_INSPECTING_RESOURCE_TYPE: wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                default_size_inspection_limit=limit
            )
        }
    )


def _managed_rule(group: ManagedRuleGroup) -> _Rule:
    """Apply a managed rule group with its own actions, except ``count_rules``, which only count."""
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in group.count_rules
    ]
    return _Rule(
        group.name,
        wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name=group.vendor, name=group.name, rule_action_overrides=overrides or None
            )
        ),
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
    )


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )
