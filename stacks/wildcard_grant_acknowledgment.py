"""Acknowledging a wildcard grant's cdk-nag finding for exactly the resource granted, in any stack.

cdk-nag names an ``AwsSolutions-IAM5`` finding after the resource as the policy's own stack renders it.
For a resource of another stack, that is a cross-stack reference (``Fn::GetStackOutput``), which CDK
creates only while it prepares the app: an id computed when the grant is made would never match. CDK runs
construct validations after that step and before validation plugins such as cdk-nag, so the id is
computed there, and the acknowledgment covers that one resource and no other wildcard.
"""

import jsii
from aws_cdk import aws_iam as iam
from constructs import IValidation

from serverless_blocks import acknowledge_rule
from serverless_blocks.grant_findings import wildcard_resource_rule

__all__ = ["acknowledge_wildcard_grant"]


def acknowledge_wildcard_grant(role: iam.Role, resource_arn: str, reason: str) -> None:
    """Acknowledge the wildcard finding that a statement on ``resource_arn`` causes in ``role``'s policy."""
    role.node.add_validation(_AcknowledgeWhenResolved(role, resource_arn, reason))


@jsii.implements(IValidation)
class _AcknowledgeWhenResolved:
    """A validation that never fails: it runs at the one moment the finding's id is known."""

    def __init__(self, role: iam.Role, resource_arn: str, reason: str) -> None:
        self._role = role
        self._resource_arn = resource_arn
        self._reason = reason
        self._acknowledged = False

    def validate(self) -> list[str]:
        # An app may be synthesized more than once; one acknowledgment is enough.
        if not self._acknowledged:
            rule_id = wildcard_resource_rule(self._role, self._resource_arn)
            acknowledge_rule(self._role, rule_id, self._reason)
            self._acknowledged = True
        return []
