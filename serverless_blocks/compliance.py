"""Acknowledging cdk-nag findings, skipping checkov checks and flagging weakened defaults, the same way
in every construct.

A reviewer reads the acknowledgments, skips and warnings to judge a deployment, so all go through one
place that refuses an empty reason and names warnings consistently.
"""

from typing import Any

from aws_cdk import Acknowledgment, Annotations, CfnResource, Validations
from constructs import IConstruct

__all__ = [
    "CHECKOV_METADATA_KEY",
    "MissingReasonError",
    "NotAResourceError",
    "acknowledge_rule",
    "acknowledge_weakened_default",
    "skip_check",
    "warn_weakened_default",
]

# checkov reads skips from a resource's CloudFormation Metadata: {"checkov": {"skip": [{"id", "comment"}]}}.
CHECKOV_METADATA_KEY = "checkov"

_WARNING_PREFIX = "serverless-blocks:weakened-default"


class MissingReasonError(ValueError):
    """Raised when a rule would be acknowledged, or a check skipped, without saying why."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(
            f"Acknowledging or skipping {rule_id} needs a reason a security reviewer can accept; "
            "pass a sentence that explains why the finding does not apply."
        )


class NotAResourceError(TypeError):
    """Raised when a checkov skip targets a construct that is no CloudFormation resource and wraps none."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} is not a CloudFormation resource and has no default child; skip the check on the "
            "resource checkov reports (a CfnResource, or the L2 construct that wraps it)."
        )


def acknowledge_rule(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` and every construct below it.

    The plain rule id (``AwsSolutions-IAM5[Resource::*]``) is the form cdk-nag v3 documents; cdk-nag
    honours it both when it runs as a ``Validations`` plugin and when it walks a tree directly.
    """
    if not reason.strip():
        raise MissingReasonError(rule_id)
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def skip_check(scope: IConstruct, check_id: str, reason: str) -> None:
    """Skip one checkov check on the resource ``scope`` is or wraps, with the reason in its Metadata.

    checkov has no construct tree to read, so the skip travels in the template, beside the resource it
    excuses. Skipping the same check again replaces the reason: the most specific caller has the last word.
    """
    if not reason.strip():
        raise MissingReasonError(check_id)
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise NotAResourceError(scope.node.path)
    existing: dict[str, Any] = resource.get_metadata(CHECKOV_METADATA_KEY) or {}
    skips = [skip for skip in existing.get("skip", []) if skip["id"] != check_id]
    skips.append({"id": check_id, "comment": reason})
    resource.add_metadata(CHECKOV_METADATA_KEY, {**existing, "skip": skips})


def acknowledge_weakened_default(scope: IConstruct, setting: str, reason: str) -> None:
    """Accept, with a reason, the warning a construct gives when ``setting`` overrides its secure default."""
    acknowledge_rule(scope, f"{_WARNING_PREFIX}:{setting}", reason)


def warn_weakened_default(scope: IConstruct, setting: str, consequence: str) -> None:
    """Tell the synthesizing user that an override turned off one of the construct's safeguards."""
    Annotations.of(scope).add_warning_v2(
        f"{_WARNING_PREFIX}:{setting}",
        f"'{setting}' overrides a secure default: {consequence}",
    )
