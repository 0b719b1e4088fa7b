"""Acknowledging cdk-nag findings and flagging weakened defaults, the same way in every construct.

A reviewer reads the acknowledgments and warnings to judge a deployment, so both go through one
place that refuses an empty reason and names warnings consistently.
"""

from aws_cdk import Acknowledgment, Annotations, Validations
from constructs import IConstruct

__all__ = ["MissingReasonError", "acknowledge_rule", "acknowledge_weakened_default", "warn_weakened_default"]

_WARNING_PREFIX = "serverless-blocks:weakened-default"


class MissingReasonError(ValueError):
    """Raised when a rule would be acknowledged without saying why."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(
            f"Acknowledging {rule_id} needs a reason a security reviewer can accept; "
            "pass a sentence that explains why the finding does not apply."
        )


def acknowledge_rule(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` and every construct below it.

    The plain rule id (``AwsSolutions-IAM5[Resource::*]``) is the form cdk-nag v3 documents; cdk-nag
    honours it both when it runs as a ``Validations`` plugin and when it walks a tree directly.
    """
    if not reason.strip():
        raise MissingReasonError(rule_id)
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def acknowledge_weakened_default(scope: IConstruct, setting: str, reason: str) -> None:
    """Accept, with a reason, the warning a construct gives when ``setting`` overrides its secure default."""
    acknowledge_rule(scope, f"{_WARNING_PREFIX}:{setting}", reason)


def warn_weakened_default(scope: IConstruct, setting: str, consequence: str) -> None:
    """Tell the synthesizing user that an override turned off one of the construct's safeguards."""
    Annotations.of(scope).add_warning_v2(
        f"{_WARNING_PREFIX}:{setting}",
        f"'{setting}' overrides a secure default: {consequence}",
    )
