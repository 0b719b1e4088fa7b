"""DataStack: everything stateful (tables, user directory, the cursor-signing secret).

Kept apart from the API so that the API can be torn down and redeployed freely while data stays; in prod
the stack also has termination protection and every resource RETAIN (see stacks/config.py).
"""

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from lambdas.corkboard import table_design as design
from serverless_blocks import (
    SecureBucket,
    SecureBucketProps,
    Table,
    TableProps,
    UserDirectory,
    UserDirectoryProps,
    acknowledge_rule,
    acknowledge_weakened_default,
)
from stacks.config import EnvironmentConfig

__all__ = ["DataStack"]


class DataStack(Stack):
    """The main table (pk/sk + GSI1 + stream), the idempotency table, the user pool and the cursor key."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, termination_protection=config.is_production, **kwargs)
        self.main_table_block = self._main_table(config)
        self.main_table = self.main_table_block.table
        self.idempotency_table_block = self._idempotency_table(config)
        self.idempotency_table = self.idempotency_table_block.table
        self.user_directory = UserDirectory(
            self,
            "Users",
            props=UserDirectoryProps(
                groups=(design.ADMIN_GROUP,),
                self_sign_up_enabled=True,
                removal_policy=config.cdk_removal_policy,
                deletion_protection=config.deletion_protection,
            ),
        )
        self.cursor_secret = self._cursor_secret(config)
        self.attachments = self._attachments_bucket(config)
        if not config.bucket_versioning:
            acknowledge_weakened_default(
                self.attachments,
                "versioned",
                f"cdk.json turns versioning off for {config.name}: its attachments are test files, and "
                "keeping every overwritten version of them would only add cost.",
            )
        acknowledge_weakened_default(
            self.user_directory,
            "self_sign_up_enabled",
            "Corkboard is a team product: people sign up with a verified e-mail address and see nothing "
            "until a board owner adds them.",
        )
        if not config.is_production:
            self._accept_disposable_data(config)

    def _accept_disposable_data(self, config: EnvironmentConfig) -> None:
        """Outside prod, data is test data: the stack may delete it, and says so once per construct."""
        reason = (
            f"The {config.name} environment holds only test data; cdk.json sets it to be removed with the "
            "stack so that environments can be torn down and rebuilt cleanly."
        )
        for construct in (self.main_table_block, self.idempotency_table_block, self.user_directory):
            for setting in ("removal_policy", "deletion_protection"):
                acknowledge_weakened_default(construct, setting, reason)

    def _main_table(self, config: EnvironmentConfig) -> Table:
        string = dynamodb.AttributeType.STRING
        return Table(
            self,
            "MainTable",
            props=TableProps(
                partition_key=dynamodb.Attribute(name=design.PARTITION_KEY, type=string),
                sort_key=dynamodb.Attribute(name=design.SORT_KEY, type=string),
                global_secondary_indexes=(
                    dynamodb.GlobalSecondaryIndexProps(
                        index_name=design.GSI1_NAME,
                        partition_key=dynamodb.Attribute(name=design.GSI1_PARTITION_KEY, type=string),
                        sort_key=dynamodb.Attribute(name=design.GSI1_SORT_KEY, type=string),
                        projection_type=dynamodb.ProjectionType.ALL,
                    ),
                ),
                stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
                time_to_live_attribute=design.TTL_ATTRIBUTE,
                point_in_time_recovery=config.point_in_time_recovery,
                deletion_protection=config.deletion_protection,
                removal_policy=config.cdk_removal_policy,
            ),
        )

    def _idempotency_table(self, config: EnvironmentConfig) -> Table:
        table = Table(
            self,
            "IdempotencyTable",
            props=TableProps(
                partition_key=dynamodb.Attribute(
                    name=design.IDEMPOTENCY_PARTITION_KEY, type=dynamodb.AttributeType.STRING
                ),
                time_to_live_attribute=design.IDEMPOTENCY_TTL_ATTRIBUTE,
                point_in_time_recovery=False,
                deletion_protection=config.deletion_protection,
                removal_policy=config.cdk_removal_policy,
            ),
        )
        no_pitr = (
            "Idempotency records live one hour and a lost record only means a retried POST runs again, "
            "so restoring this table to an earlier second has no value."
        )
        acknowledge_weakened_default(table, "point_in_time_recovery", no_pitr)
        acknowledge_rule(table, "AwsSolutions-DDB3", no_pitr)
        return table

    def _attachments_bucket(self, config: EnvironmentConfig) -> SecureBucket:
        """Where task attachments will live (issue 5). RETAINed in every environment: a bucket that still
        holds objects cannot be deleted by CloudFormation, so dev teardown would fail half-way otherwise."""
        return SecureBucket(
            self,
            "Attachments",
            props=SecureBucketProps(
                versioned=config.bucket_versioning,
                cors_allowed_origins=config.cors_allow_origins,
            ),
        )

    def _cursor_secret(self, config: EnvironmentConfig) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "CursorSigningKey",
            description="HMAC key that signs pagination cursors so that clients cannot forge them.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=config.cdk_removal_policy,
        )
        acknowledge_rule(
            secret,
            "AwsSolutions-SMG4",
            "The key only signs pagination cursors. Rotating it invalidates cursors in flight and nothing "
            "else, so it is rotated on demand by replacing the secret (docs/operations.md) instead of by a "
            "rotation Lambda.",
        )
        return secret
