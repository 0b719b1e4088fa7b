"""Access to attachment objects, one definition for every function that needs it.

Every statement stays inside the attachments prefix (lambdas/corkboard/table_design.py), so a function
that handles attachments can touch nothing else the bucket might ever hold.
"""

from collections.abc import Sequence
from typing import Final

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from lambdas.corkboard import table_design as design
from stacks.wildcard_grant_acknowledgment import acknowledge_wildcard_grant

__all__ = ["allow_attachment_listing", "allow_attachment_objects"]

_KEYS_UNDER_PREFIX: Final = f"{design.ATTACHMENTS_KEY_PREFIX}*"
_GENERATED_KEYS_REASON: Final = (
    "Attachment object keys are generated per upload (attachments/{boardId}/{taskId}/{attachmentId}), so "
    "no fixed key can be named; the wildcard covers the attachments/ prefix of this one bucket only."
)


def allow_attachment_objects(role: iam.Role, bucket: s3.IBucket, actions: Sequence[str]) -> None:
    """Allow the object ``actions`` on every key under the attachments prefix, and on nothing else."""
    objects_arn = bucket.arn_for_objects(_KEYS_UNDER_PREFIX)
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[objects_arn]))
    acknowledge_wildcard_grant(role, objects_arn, _GENERATED_KEYS_REASON)


def allow_attachment_listing(role: iam.Role, bucket: s3.IBucket, actions: Sequence[str]) -> None:
    """Allow listing ``bucket`` only with a prefix inside the attachments prefix.

    S3 authorizes ListObjects and ListObjectVersions on the bucket's ARN, not on keys, so the condition on
    ``s3:prefix`` is what keeps a listing inside the prefix; a request without a prefix is refused.
    """
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(actions),
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [_KEYS_UNDER_PREFIX]}},
        )
    )
