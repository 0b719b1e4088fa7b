"""A DynamoDB table that is recoverable and hard to lose by default.

Example::

    orders = Table(
        self,
        "Orders",
        props=TableProps(
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            time_to_live_attribute="expiresAt",
        ),
    )
    orders.table.grant_read_write_data(handler.function)
"""

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from serverless_blocks.compliance import skip_check, warn_weakened_default

__all__ = ["Table", "TableProps"]

_AWS_MANAGED_KEY_REASON = (
    "No encryption_key was given, by configuration: the table is encrypted with the AWS-managed key "
    "aws/dynamodb, whose every use CloudTrail records. Passing encryption_key (cdk.json encryption: "
    "customer-managed) encrypts it with a customer-managed key instead."
)


@dataclass(frozen=True, kw_only=True)
class TableProps:
    """Key schema and indexes; billing, recovery, protection and encryption have secure defaults."""

    partition_key: dynamodb.Attribute
    sort_key: dynamodb.Attribute | None = None
    global_secondary_indexes: Sequence[dynamodb.GlobalSecondaryIndexProps] = ()
    stream: dynamodb.StreamViewType | None = None
    time_to_live_attribute: str | None = None
    billing_mode: dynamodb.BillingMode = dynamodb.BillingMode.PAY_PER_REQUEST
    point_in_time_recovery: bool = True
    deletion_protection: bool = True
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    encryption: dynamodb.TableEncryption = dynamodb.TableEncryption.AWS_MANAGED
    # A customer-managed key; when given, it encrypts the table whatever ``encryption`` says.
    encryption_key: kms.IKey | None = None
    table_name: str | None = None


class Table(Construct):
    """On-demand ``AWS::DynamoDB::Table`` with point-in-time recovery, deletion protection, KMS encryption."""

    def __init__(self, scope: Construct, construct_id: str, *, props: TableProps) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=props.partition_key,
            sort_key=props.sort_key,
            billing_mode=props.billing_mode,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=props.point_in_time_recovery
            ),
            deletion_protection=props.deletion_protection,
            removal_policy=props.removal_policy,
            encryption=(
                dynamodb.TableEncryption.CUSTOMER_MANAGED if props.encryption_key else props.encryption
            ),
            encryption_key=props.encryption_key,
            stream=props.stream,
            time_to_live_attribute=props.time_to_live_attribute,
            table_name=props.table_name,
        )
        for index in props.global_secondary_indexes:
            self.table.add_global_secondary_index(**_struct_fields(index))
        if props.encryption_key is None and props.encryption == dynamodb.TableEncryption.AWS_MANAGED:
            skip_check(self.table, "CKV_AWS_119", _AWS_MANAGED_KEY_REASON)
        self._warn_about_weakened_defaults(props)

    def _warn_about_weakened_defaults(self, props: TableProps) -> None:
        if not props.point_in_time_recovery:
            warn_weakened_default(
                self, "point_in_time_recovery", "the table cannot be restored to an earlier second."
            )
        if not props.deletion_protection:
            warn_weakened_default(self, "deletion_protection", "a single API call can delete the table.")
        if props.removal_policy == RemovalPolicy.DESTROY:
            warn_weakened_default(
                self, "removal_policy", "removing the resource from the stack deletes the table and its data."
            )
        if props.encryption == dynamodb.TableEncryption.DEFAULT:
            warn_weakened_default(
                self, "encryption", "data is encrypted with an AWS-owned key that CloudTrail cannot audit."
            )


def _struct_fields(struct: dynamodb.GlobalSecondaryIndexProps) -> dict[str, Any]:
    """Turn a jsii struct back into keyword arguments, so every index option CDK supports passes through."""
    names = [name for name in inspect.signature(type(struct).__init__).parameters if name != "self"]
    return {name: getattr(struct, name) for name in names if getattr(struct, name) is not None}
