"""Acknowledging, on the grantee, the cdk-nag wildcard findings that a construct's own grant causes.

A grant lands in the grantee's policy, so cdk-nag reports it on the grantee's role, far from the
construct that knows why the wildcard is unavoidable. The construct therefore acknowledges it there,
for exactly the resource it granted, so that no other wildcard on that role is accepted with it.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule

__all__ = ["acknowledge_grant_finding", "wildcard_resource_rule"]

_WILDCARD_RULE = "AwsSolutions-IAM5"


def wildcard_resource_rule(scope: Construct, resource_arn: str) -> str:
    """Return the id cdk-nag gives a wildcard finding on ``resource_arn`` in a policy of ``scope``'s stack.

    cdk-nag flattens the resolved ARN: a ``Ref`` becomes ``<LogicalId>`` and an ``Fn::Join`` is joined.
    The id is computed when the grant is made, so a cross-stack grant (whose reference CloudFormation
    later turns into an import) does not match, and its finding stays visible rather than hidden.
    """
    return f"{_WILDCARD_RULE}[Resource::{_flatten(Stack.of(scope).resolve(resource_arn))}]"


def acknowledge_grant_finding(grantee: iam.IGrantable, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` on the grantee's principal, when that principal is a construct of this app.

    Principals that are not constructs (service or account principals) get no policy from a grant,
    so there is no finding to acknowledge.
    """
    principal = grantee.grant_principal
    if Construct.is_construct(principal):
        acknowledge_rule(principal, rule_id, reason)


def _flatten(value: Any) -> str:
    """Mirror cdk-nag's ``flattenCfnReference``: every intrinsic it knows, else compact JSON, as it does.

    An ARN read from a resource (``bucket.bucket_arn`` is a ``Fn::GetAtt``) must flatten the way cdk-nag
    flattens it, or the acknowledgment names a finding that cdk-nag never reports.
    """
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    for intrinsic, render in _INTRINSICS.items():
        if intrinsic in value:
            return render(value[intrinsic])
    return json.dumps(value, separators=(",", ":"))


def _join(arguments: list[Any]) -> str:
    delimiter, parts = arguments
    return delimiter.join(_flatten(part) for part in parts)


def _get_att(arguments: list[Any]) -> str:
    resource, attribute = arguments
    return f"<{_flatten(resource)}.{_flatten(attribute)}>"


def _ref(logical_id: Any) -> str:
    return f"<{_flatten(logical_id)}>"


# In cdk-nag's order; a CloudFormation intrinsic object has exactly one key, so the first match is the one.
_INTRINSICS: Final[Mapping[str, Callable[[Any], str]]] = {
    "Fn::Join": _join,
    "Fn::Sub": _flatten,
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": _flatten,
    "Ref": _ref,
}
