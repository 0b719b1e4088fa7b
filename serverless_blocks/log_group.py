"""The CloudWatch log group every construct creates: one definition, encrypted with the caller's key if any.

CloudWatch Logs always encrypts log data at rest; a customer-managed key adds a key policy that decides
who may read it and a CloudTrail record of every use. Without one, the checkov check that asks for a
KMS key is skipped on the log group, saying so, rather than failing a choice the caller made.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from serverless_blocks.compliance import skip_check

__all__ = ["SERVICE_MANAGED_LOG_ENCRYPTION_REASON", "create_log_group"]

SERVICE_MANAGED_LOG_ENCRYPTION_REASON = (
    "No encryption_key was given, by configuration: CloudWatch Logs encrypts this log group at rest with "
    "its own service-managed key. Passing encryption_key (cdk.json encryption: customer-managed) encrypts "
    "it with a customer-managed KMS key instead."
)


def create_log_group(
    scope: Construct,
    construct_id: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    encryption_key: kms.IKey | None,
) -> logs.LogGroup:
    """A log group with ``retention``; encrypted with ``encryption_key`` when one is given.

    The key's policy must let ``logs.<region>.amazonaws.com`` use it, or CloudWatch Logs refuses to
    create the group (stacks/encryption.py writes that statement for Corkboard's key).
    """
    log_group = logs.LogGroup(
        scope,
        construct_id,
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=encryption_key,
    )
    if encryption_key is None:
        skip_check(log_group, "CKV_AWS_158", SERVICE_MANAGED_LOG_ENCRYPTION_REASON)
    return log_group
