"""The SQS queue that keeps events which failed for good: one definition for every construct needing one.

It is the dead-letter destination itself, so it needs no dead-letter queue of its own; it is encrypted,
TLS-only, and keeps messages the longest SQS allows, 14 days, so that someone has time to look.
"""

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, skip_check

__all__ = ["FAILURE_RETENTION", "create_failure_queue"]

FAILURE_RETENTION: Final = Duration.days(14)


_SQS_MANAGED_ENCRYPTION_REASON = (
    "No encryption_key was given, by configuration: the queue is encrypted at rest with SQS-managed keys "
    "(SqsManagedSseEnabled), which checkov does not recognise; it only looks for KmsMasterKeyId. Passing "
    "encryption_key encrypts it with a customer-managed KMS key instead."
)


def create_failure_queue(
    scope: Construct, construct_id: str, *, destination_of: str, encryption_key: kms.IKey | None = None
) -> sqs.Queue:
    """A failure queue; ``destination_of`` says whose on-failure destination it is, for the nag reasons.

    With ``encryption_key`` the queue is encrypted with that key, and whoever sends to it (the Lambda
    service with the function's role) needs kms:GenerateDataKey and kms:Decrypt on it.
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=FAILURE_RETENTION,
    )
    if encryption_key is None:
        skip_check(queue, "CKV_AWS_27", _SQS_MANAGED_ENCRYPTION_REASON)
    reason = (
        f"This queue is the on-failure destination of {destination_of}, i.e. the dead-letter queue "
        "itself; a further dead-letter queue behind it would never receive anything."
    )
    acknowledge_rule(queue, "AwsSolutions-SQS3", reason)
    acknowledge_rule(queue, "Serverless-SQSRedrivePolicy", reason)
    return queue
