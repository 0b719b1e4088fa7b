"""DataStack: everything stateful (tables, user directory, the cursor-signing secret, the attachments bucket).

Kept apart from the API so that the API can be torn down and redeployed freely while data stays; in prod
the stack also has termination protection and every resource RETAIN (see stacks/config.py).

The uploads function is the one Corkboard function here, because the bucket's notification and the
function it invokes must deploy together: the notification configuration lives on the bucket and names the
function, and the function's grants and S3's invoke permission name the bucket, so a bucket in this stack
notifying a function in another would make each stack depend on the other, a cycle CloudFormation cannot
deploy.
"""

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from lambdas.corkboard import table_design as design
from serverless_blocks import (
    PythonFunction,
    SecureBucket,
    SecureBucketProps,
    Table,
    TableProps,
    UserDirectory,
    UserDirectoryProps,
    acknowledge_rule,
    acknowledge_weakened_default,
    skip_check,
)
from serverless_blocks.failure_queue import create_failure_queue
from stacks.attachment_access import allow_attachment_listing, allow_attachment_objects
from stacks.config import EnvironmentConfig
from stacks.encryption import environment_key
from stacks.functions import corkboard_function

__all__ = ["DataStack"]

# The processor reads a record and settles it with an UpdateItem conditioned on the record still being
# pending (an update can never create an item); it never puts, queries, scans or deletes.
_UPLOADS_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem")
# It reads an upload, exactly the version an event names (HeadObject, a ranged GetObject, and CopyObject's
# read of its source), and deletes it once published, rejected, discarded or orphaned...
_UPLOADS_INCOMING_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
)
# ...and writes the one copy of a checked upload that downloads are served from; it never reads, lists or
# deletes served files (task and board cleanup does, in the REST function).
_UPLOADS_SERVED_ACTIONS = ("s3:PutObject",)
_UPLOADS_LISTING_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")
# Copying a checked file of the largest size cdk.json allows (5 GiB) takes S3 far longer than a check.
_UPLOADS_TIMEOUT = Duration.minutes(2)


class DataStack(Stack):
    """The main table (pk/sk + GSI1 + GSI2 + stream), the idempotency table, the WebSocket connections
    table, the user pool, the cursor key, and the attachments bucket with the function it notifies
    (``uploads_function``, ``uploads_failure_queue``).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, termination_protection=config.is_production, **kwargs)
        # Here because the stateful resources it encrypts are; None when cdk.json says aws-managed.
        self.encryption_key = environment_key(self, config)
        self.main_table_block = self._main_table(config)
        self.main_table = self.main_table_block.table
        self.idempotency_table_block = self._idempotency_table(config)
        self.idempotency_table = self.idempotency_table_block.table
        self.connections_table_block = self._connections_table(config)
        self.connections_table = self.connections_table_block.table
        self.user_directory = UserDirectory(
            self,
            "Users",
            props=UserDirectoryProps(
                groups=(design.ADMIN_GROUP, design.SMOKE_TEST_GROUP),
                self_sign_up_enabled=True,
                removal_policy=config.cdk_removal_policy,
                deletion_protection=config.deletion_protection,
            ),
        )
        self.cursor_secret = self._cursor_secret(config)
        self.attachments = self._attachments_bucket(config)
        self.uploads_function = self._uploads_function(config)
        # Created here rather than by the bucket so that its name, and its alarm's, say what it holds.
        self.uploads_failure_queue: sqs.IQueue = create_failure_queue(
            self,
            "UploadsFailureQueue",
            destination_of="the uploads function's S3 ObjectCreated events",
            encryption_key=self.encryption_key,
        )
        self.attachments.notify_function(
            self.uploads_function.invocable,
            prefix=design.INCOMING_KEY_PREFIX,
            failure_queue=self.uploads_failure_queue,
        )
        CfnOutput(
            self,
            "UploadsFailureQueueUrl",
            value=self.uploads_failure_queue.queue_url,
            description="S3 upload events the uploads function failed for good (docs/operations.md)",
        )
        if not config.bucket_versioning:
            no_versions = (
                f"cdk.json turns versioning off for {config.name}: its attachments are test files, and "
                "keeping every overwritten version of them would only add cost."
            )
            acknowledge_weakened_default(self.attachments, "versioned", no_versions)
            skip_check(self.attachments.bucket, "CKV_AWS_21", no_versions)
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
        disposable = (
            self.main_table_block,
            self.idempotency_table_block,
            self.connections_table_block,
            self.user_directory,
        )
        for construct in disposable:
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
                global_secondary_indexes=tuple(
                    dynamodb.GlobalSecondaryIndexProps(
                        index_name=name,
                        partition_key=dynamodb.Attribute(name=partition_key, type=string),
                        sort_key=dynamodb.Attribute(name=sort_key, type=string),
                        projection_type=dynamodb.ProjectionType.ALL,
                    )
                    for name, partition_key, sort_key in (
                        (design.GSI1_NAME, design.GSI1_PARTITION_KEY, design.GSI1_SORT_KEY),
                        (design.GSI2_NAME, design.GSI2_PARTITION_KEY, design.GSI2_SORT_KEY),
                    )
                ),
                stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
                time_to_live_attribute=design.TTL_ATTRIBUTE,
                encryption_key=self.encryption_key,
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
                encryption_key=self.encryption_key,
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
        skip_check(table.table, "CKV_AWS_28", no_pitr)
        return table

    def _connections_table(self, config: EnvironmentConfig) -> Table:
        """WebSocket connections and board subscriptions (lambdas/corkboard/connections.py).

        Here, not in the realtime stack, because the REST function ends subscriptions too: removing a
        member deletes their subscriptions in one transaction with the membership. Both the API and the
        realtime stack depend on this stack, and on neither of each other.
        """
        string = dynamodb.AttributeType.STRING
        table = Table(
            self,
            "ConnectionsTable",
            props=TableProps(
                partition_key=dynamodb.Attribute(name=design.CONNECTIONS_PARTITION_KEY, type=string),
                sort_key=dynamodb.Attribute(name=design.CONNECTIONS_SORT_KEY, type=string),
                time_to_live_attribute=design.CONNECTIONS_TTL_ATTRIBUTE,
                encryption_key=self.encryption_key,
                point_in_time_recovery=False,
                deletion_protection=config.deletion_protection,
                removal_policy=config.cdk_removal_policy,
            ),
        )
        ephemeral = (
            "Connection records live at most two hours, API Gateway's limit on a WebSocket connection, and "
            "clients rebuild them by reconnecting, so a restore point would hold only connections that no "
            "longer exist."
        )
        acknowledge_weakened_default(table, "point_in_time_recovery", ephemeral)
        acknowledge_rule(table, "AwsSolutions-DDB3", ephemeral)
        skip_check(table.table, "CKV_AWS_28", ephemeral)
        return table

    def _attachments_bucket(self, config: EnvironmentConfig) -> SecureBucket:
        """Where task attachments live. RETAINed in every environment: a bucket that still
        holds objects cannot be deleted by CloudFormation, so dev teardown would fail half-way otherwise."""
        return SecureBucket(
            self,
            "Attachments",
            props=SecureBucketProps(
                versioned=config.bucket_versioning,
                cors_allowed_origins=config.cors_allow_origins,
                lifecycle_rules=_incoming_expiry(versioned=config.bucket_versioning),
            ),
        )

    def _uploads_function(self, config: EnvironmentConfig) -> PythonFunction:
        """The attachment processor: it may touch main-table items and attachment objects, nothing else."""
        uploads = corkboard_function(
            self,
            "Uploads",
            config=config,
            encryption_key=self.encryption_key,
            handler="uploads.processor.handler",
            service="corkboard-uploads",
            description="Checks each uploaded attachment, publishes a good one and settles its record.",
            timeout=_UPLOADS_TIMEOUT,
            environment={
                design.ENV_TABLE_NAME: self.main_table.table_name,
                design.ENV_ATTACHMENTS_BUCKET_NAME: self.attachments.bucket.bucket_name,
                design.ENV_ATTACHMENT_MAX_BYTES: str(config.attachment_max_bytes),
            },
        )
        uploads.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(_UPLOADS_TABLE_ACTIONS), resources=[self.main_table.table_arn])
        )
        bucket = self.attachments.bucket
        allow_attachment_objects(uploads.role, bucket, design.INCOMING_KEY_PREFIX, _UPLOADS_INCOMING_ACTIONS)
        allow_attachment_objects(uploads.role, bucket, design.ATTACHMENTS_KEY_PREFIX, _UPLOADS_SERVED_ACTIONS)
        # S3 answers a HEAD on a missing upload with 403 to a role that may not list the whole bucket; the
        # processor then lists the upload's own key (or its versions) to tell "gone" from a fault
        # (AttachmentBucket.describe), which needs listing under incoming/ and nowhere else.
        allow_attachment_listing(
            uploads.role, bucket, _UPLOADS_LISTING_ACTIONS, prefixes=(design.INCOMING_KEY_PREFIX,)
        )
        on_failure_destination = (
            "S3 invokes this function asynchronously, and an event that still fails after the retries "
            "goes to its on-failure SQS destination (SecureBucket.notify_function), which keeps the whole "
            "event and the error; a dead-letter queue as well would only receive a second copy."
        )
        acknowledge_rule(uploads.function.node.default_child, "Serverless-LambdaDLQ", on_failure_destination)
        skip_check(uploads.function, "CKV_AWS_116", on_failure_destination)
        return uploads

    def _cursor_secret(self, config: EnvironmentConfig) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "CursorSigningKey",
            description="HMAC key that signs pagination cursors so that clients cannot forge them.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=config.cdk_removal_policy,
            encryption_key=self.encryption_key,
        )
        if self.encryption_key is None:
            skip_check(
                secret,
                "CKV_AWS_149",
                f"cdk.json sets encryption: aws-managed for {config.name}: the secret is encrypted with the "
                "AWS-managed key aws/secretsmanager, whose every use CloudTrail records; customer-managed "
                "environments encrypt it with their own key.",
            )
        acknowledge_rule(
            secret,
            "AwsSolutions-SMG4",
            "The key only signs pagination cursors. Rotating it invalidates cursors in flight and nothing "
            "else, so it is rotated on demand by replacing the secret (docs/operations.md) instead of by a "
            "rotation Lambda.",
        )
        return secret


def _incoming_expiry(*, versioned: bool) -> tuple[s3.LifecycleRule, ...]:
    """Uploads that are never checked (the function failed for good, or nobody asked for them) expire.

    Checked, rejected and discarded uploads are deleted by the uploads function; this catches the rest,
    after the same time as a pending record's TTL. In a versioned bucket the expiry leaves a delete marker
    and a noncurrent version, which expire too.
    """
    after = Duration.days(design.INCOMING_EXPIRY_DAYS)
    expire = s3.LifecycleRule(
        id="ExpireUncheckedUploads",
        prefix=design.INCOMING_KEY_PREFIX,
        expiration=after,
        noncurrent_version_expiration=after if versioned else None,
    )
    if not versioned:
        return (expire,)
    markers = s3.LifecycleRule(
        id="RemoveExpiredUploadMarkers", prefix=design.INCOMING_KEY_PREFIX, expired_object_delete_marker=True
    )
    return (expire, markers)
