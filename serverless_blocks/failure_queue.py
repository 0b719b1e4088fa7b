"""The SQS queue that keeps events which failed for good: one definition for every construct needing one.

It is the dead-letter destination itself, so it needs no dead-letter queue of its own; it is encrypted,
TLS-only, and keeps messages the longest SQS allows, 14 days, so that someone has time to look.
"""

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, skip_check
from serverless_blocks.grant_findings import acknowledge_grant_finding

__all__ = ["FAILURE_RETENTION", "acknowledge_sender_key_grant", "create_failure_queue"]

FAILURE_RETENTION: Final = Duration.days(14)


# The wildcard actions CDK's queue.grant_send_messages gives on the key of a KMS-encrypted queue.
_SEND_KEY_WILDCARD_ACTIONS: Final = ("kms:GenerateDataKey*", "kms:ReEncrypt*")
_SEND_KEY_GRANT_REASON: Final = (
    "CDK's grant to send to a KMS-encrypted failure queue (queue.grant_send_messages, made by the on-failure "
    "destination) allows kms:GenerateDataKey* and kms:ReEncrypt* on that queue's one key: the wildcards "
    "only complete action names (GenerateDataKeyWithoutPlaintext, ReEncryptFrom/To), on no other resource."
)
_SQS_MANAGED_ENCRYPTION_REASON = (
    "No encryption_key was given, by configuration: the queue is encrypted at rest with SQS-managed keys "
    "(SqsManagedSseEnabled), which checkov does not recognise; it only looks for KmsMasterKeyId. Passing "
    "encryption_key encrypts it with a customer-managed KMS key instead."
)


def create_failure_queue(
    scope: Construct,
    construct_id: str,
    *,
    destination_of: str,
    encryption_key: kms.IKey | None = None,
    fifo: bool = False,
) -> sqs.Queue:
    """A failure queue; ``destination_of`` says whose on-failure destination it is, for the nag reasons.

    With ``encryption_key`` the queue is encrypted with that key, and whoever sends to it (the Lambda
    service with the function's role) needs kms:GenerateDataKey and kms:Decrypt on it. ``fifo`` makes it
    a FIFO queue, the only kind a FIFO queue's redrive policy may name.
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=FAILURE_RETENTION,
        fifo=fifo or None,
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


def acknowledge_sender_key_grant(sender: iam.IGrantable, queue: sqs.IQueue) -> None:
    """Acknowledge, on ``sender``'s role, the wildcard key actions of its grant to send to ``queue``."""
    if queue.encryption_master_key is None:
        return
    for action in _SEND_KEY_WILDCARD_ACTIONS:
        acknowledge_grant_finding(sender, f"AwsSolutions-IAM5[Action::{action}]", _SEND_KEY_GRANT_REASON)
