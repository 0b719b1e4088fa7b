"""Access to attachment objects, one definition for every function that needs it.

Every statement stays inside one of the two attachment prefixes (lambdas/corkboard/table_design.py):
``incoming/``, where uploads land, and ``attachments/``, where checked files are served from. A function
that handles attachments can touch nothing else the bucket might ever hold, and each one gets, under each
prefix, only the actions it takes there.
"""

from collections.abc import Sequence
from typing import Final

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from lambdas.corkboard import table_design as design
from stacks.wildcard_grant_acknowledgment import acknowledge_wildcard_grant

__all__ = ["ATTACHMENT_PREFIXES", "allow_attachment_listing", "allow_attachment_objects"]

ATTACHMENT_PREFIXES: Final = (design.INCOMING_KEY_PREFIX, design.ATTACHMENTS_KEY_PREFIX)
_GENERATED_KEYS_REASON: Final = (
    "Attachment object keys are generated per upload ({prefix}{{boardId}}/{{taskId}}/{{attachmentId}}), so "
    "no fixed key can be named; the wildcard covers the {prefix} prefix of this one bucket only."
)


def allow_attachment_objects(role: iam.Role, bucket: s3.IBucket, prefix: str, actions: Sequence[str]) -> None:
    """Allow the object ``actions`` on every key under ``prefix`` (of ATTACHMENT_PREFIXES), and no other."""
    objects_arn = bucket.arn_for_objects(f"{prefix}*")
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[objects_arn]))
    acknowledge_wildcard_grant(role, objects_arn, _GENERATED_KEYS_REASON.format(prefix=prefix))


def allow_attachment_listing(
    role: iam.Role, bucket: s3.IBucket, actions: Sequence[str], prefixes: Sequence[str] = ATTACHMENT_PREFIXES
) -> None:
    """Allow listing ``bucket`` only with a prefix inside ``prefixes`` (by default every attachment prefix).

    S3 authorizes ListObjects and ListObjectVersions on the bucket's ARN, not on keys, so the condition on
    ``s3:prefix`` is what keeps a listing inside the prefixes; a request without a prefix is refused.
    """
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(actions),
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
        )
    )
