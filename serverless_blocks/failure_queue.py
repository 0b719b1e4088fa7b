"""The SQS queue that keeps events which failed for good: one definition for every construct needing one.

It is the dead-letter destination itself, so it needs no dead-letter queue of its own; it is encrypted,
TLS-only, and keeps messages the longest SQS allows, 14 days, so that someone has time to look.
"""

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule

__all__ = ["FAILURE_RETENTION", "create_failure_queue"]

FAILURE_RETENTION: Final = Duration.days(14)


def create_failure_queue(scope: Construct, construct_id: str, *, destination_of: str) -> sqs.Queue:
    """A failure queue; ``destination_of`` says whose on-failure destination it is, for the nag reasons."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=FAILURE_RETENTION,
    )
    reason = (
        f"This queue is the on-failure destination of {destination_of}, i.e. the dead-letter queue "
        "itself; a further dead-letter queue behind it would never receive anything."
    )
    acknowledge_rule(queue, "AwsSolutions-SQS3", reason)
    acknowledge_rule(queue, "Serverless-SQSRedrivePolicy", reason)
    return queue
