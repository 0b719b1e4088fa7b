"""An S3 bucket that is private, TLS-only, encrypted, versioned and access-logged by default.

Example, a bucket browsers upload into and a function that processes each upload::

    uploads = SecureBucket(
        self,
        "Uploads",
        props=SecureBucketProps(cors_allowed_origins=("https://app.example.com",)),
    )
    failures = uploads.notify_function(processor.function, prefix="incoming/")
    uploads.bucket.grant_read(processor.function)

Objects that land under a prefix and are never processed can be made to expire with more lifecycle
rules, e.g. ``lifecycle_rules=(s3.LifecycleRule(prefix="incoming/", expiration=Duration.days(1)),)``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aws_cdk import Duration, Names, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3_notifications
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_destinations import SqsDestination
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, skip_check, warn_weakened_default
from serverless_blocks.failure_queue import acknowledge_sender_key_grant, create_failure_queue

__all__ = [
    "DEFAULT_CORS_ALLOWED_HEADERS",
    "DEFAULT_CORS_ALLOWED_METHODS",
    "AutoDeleteWithoutDestroyError",
    "ConflictingAccessLogsError",
    "FunctionAlreadyNotifiedError",
    "SecureBucket",
    "SecureBucketProps",
]

# What a browser sends when it uploads with a presigned URL or form; anything else is refused at preflight.
DEFAULT_CORS_ALLOWED_HEADERS: tuple[str, ...] = ("Content-Type", "Content-MD5")
DEFAULT_CORS_ALLOWED_METHODS: tuple[s3.HttpMethods, ...] = (
    s3.HttpMethods.POST,
    s3.HttpMethods.PUT,
    s3.HttpMethods.GET,
    s3.HttpMethods.HEAD,
)
# A browser completing a multipart upload needs each part's ETag, which CORS hides unless exposed.
_CORS_EXPOSED_HEADERS: Final = ("ETag",)

# With ObjectOwnership BUCKET_OWNER_ENFORCED, ACLs are disabled, so S3 log delivery must be allowed by
# bucket policy. CDK does that only under this feature flag, which the construct sets for its own subtree
# so that the result does not depend on the app's cdk.json.
_LOGS_USE_BUCKET_POLICY_FLAG: Final = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
# Long enough to outlast a downstream outage, short enough that a stale upload is not processed a day late.
_DEFAULT_MAX_EVENT_AGE: Final = Duration.hours(6)
# SQS's longest retention: the time an operator has to inspect and replay an event the function never handled.
# CDK creates one handler per stack for every bucket's notifications, directly under the stack.
_NOTIFICATIONS_HANDLER_ID_PREFIX: Final = "BucketNotificationsHandler"
_HANDLER_MANAGED_POLICY_RULE: Final = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)
_HANDLER_REASON: Final = (
    "This is the role of CDK's own BucketNotificationsHandler, the custom resource that writes the bucket's "
    "notification configuration at deployment; CDK attaches AWSLambdaBasicExecutionRole to it, which only "
    "lets the handler write its CloudWatch logs, and the role cannot be given a different policy from here."
)
# checkov's Lambda checks that CDK's handler cannot meet: it has no VPC, concurrency or DLQ setting.
_HANDLER_CHECKS: Final = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")
_HANDLER_CHECK_REASON: Final = (
    "This is CDK's own BucketNotificationsHandler, the custom resource that writes the bucket's "
    "notification configuration: CloudFormation invokes it synchronously, only during deployments, and it "
    "calls only S3's PutBucketNotificationConfiguration. CDK offers no VPC, concurrency or dead-letter "
    "settings for it, and it needs none: a failed call fails the deployment, which rolls back."
)
_ACCESS_LOG_BUCKET_CHECKS: Final = {
    "CKV_AWS_18": (
        "This bucket receives the server access logs of the bucket beside it; logging access to it into "
        "itself, or into yet another bucket, would only log the log deliveries."
    ),
    "CKV_AWS_21": (
        "This bucket holds server access logs that S3 writes once and the lifecycle rule expires; nobody "
        "overwrites a log object, so versions would only keep expired logs longer."
    ),
}
_NO_ACCESS_LOGS_REASON: Final = (
    "Server access logging was switched off on purpose with 'server_access_logs=False'; the construct "
    "warns about it at synth time (serverless-blocks:weakened-default:server_access_logs)."
)


class AutoDeleteWithoutDestroyError(ValueError):
    """Raised when objects would be deleted automatically from a bucket the stack keeps."""

    def __init__(self, removal_policy: RemovalPolicy) -> None:
        super().__init__(
            f"auto_delete_objects=True needs removal_policy=RemovalPolicy.DESTROY, not {removal_policy}; "
            "set both for short-lived environments, or neither to keep the bucket and its objects."
        )


class ConflictingAccessLogsError(ValueError):
    """Raised when access logging is switched off and given a destination at the same time."""

    def __init__(self) -> None:
        super().__init__(
            "server_access_logs=False contradicts server_access_logs_bucket; pass the bucket to log to it, "
            "or drop it to switch logging off."
        )


class FunctionAlreadyNotifiedError(ValueError):
    """Raised when a function would get a second asynchronous invocation configuration from this bucket."""

    def __init__(self, function: lambda_.IFunction) -> None:
        super().__init__(
            f"{function.node.path} is already notified by this bucket, and a function has one asynchronous "
            "invocation configuration; notify it once with a prefix that covers every object it handles, "
            "or notify another function."
        )


@dataclass(frozen=True, kw_only=True)
class SecureBucketProps:
    """Everything has a secure default; CORS is off until browser origins are given."""

    bucket_name: str | None = None
    encryption_key: kms.IKey | None = None
    versioned: bool = True
    server_access_logs: bool = True
    server_access_logs_bucket: s3.IBucket | None = None
    server_access_logs_prefix: str | None = None
    access_logs_expiration: Duration = field(default_factory=lambda: Duration.days(90))
    abort_incomplete_multipart_upload_after: Duration = field(default_factory=lambda: Duration.days(1))
    noncurrent_version_expiration: Duration = field(default_factory=lambda: Duration.days(30))
    # More rules, after the construct's own (abort incomplete multipart uploads, expire old versions):
    # e.g. expire what lands under an upload prefix and is never processed.
    lifecycle_rules: Sequence[s3.LifecycleRule] = ()
    cors_allowed_origins: Sequence[str] = ()
    cors_allowed_methods: Sequence[s3.HttpMethods] = DEFAULT_CORS_ALLOWED_METHODS
    cors_allowed_headers: Sequence[str] = DEFAULT_CORS_ALLOWED_HEADERS
    cors_max_age: Duration = field(default_factory=lambda: Duration.hours(1))
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    auto_delete_objects: bool = False


class SecureBucket(Construct):
    """``AWS::S3::Bucket`` with public access blocked, TLS enforced, ACLs disabled and access logs kept.

    Access logs go to a log bucket the construct creates, unless another bucket is given. Uploads can
    trigger Lambda functions through :meth:`notify_function`, each with its own on-failure queue.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, props: SecureBucketProps | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        props = props or SecureBucketProps()
        _validate(props)
        self.node.set_context(_LOGS_USE_BUCKET_POLICY_FLAG, True)
        self._encryption_key = props.encryption_key
        self.access_logs_bucket = self._access_logs_bucket(props)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=props.bucket_name,
            versioned=props.versioned,
            lifecycle_rules=[_object_lifecycle_rule(props), *props.lifecycle_rules],
            cors=_cors_rules(props),
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix=props.server_access_logs_prefix,
            **_secure_settings(props, encryption_key=props.encryption_key),
        )
        self._failure_queues: dict[str, sqs.IQueue] = {}
        self._notified_functions: set[str] = set()
        if not props.server_access_logs:
            acknowledge_rule(self.bucket, "AwsSolutions-S1", _NO_ACCESS_LOGS_REASON)
        self._warn_about_weakened_defaults(props)

    @property
    def failure_queues(self) -> Mapping[str, sqs.IQueue]:
        """The on-failure queue of each :meth:`notify_function` call, by the key prefix it watches."""
        return dict(self._failure_queues)

    def notify_function(
        self,
        function: lambda_.IFunction,
        *,
        prefix: str,
        retry_attempts: int = 2,
        max_event_age: Duration = _DEFAULT_MAX_EVENT_AGE,
        failure_queue: sqs.IQueue | None = None,
    ) -> sqs.IQueue:
        """Invoke ``function`` for every object created under ``prefix``; return its on-failure queue.

        S3 invokes the function asynchronously, so a failed event is retried ``retry_attempts`` times
        for up to ``max_event_age`` and then lands in the queue instead of being lost. The function's
        asynchronous invocation settings are configured here, and a function has only one, so each
        function can be notified once.
        """
        if function.node.path in self._notified_functions:
            raise FunctionAlreadyNotifiedError(function)
        queue = failure_queue or self._create_failure_queue(function)
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3_notifications.LambdaDestination(function),
            s3.NotificationKeyFilter(prefix=prefix),
        )
        function.configure_async_invoke(
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            on_failure=SqsDestination(queue),
        )
        acknowledge_sender_key_grant(function, queue)
        if not self._failure_queues:
            self._acknowledge_notifications_handler()
        self._failure_queues[prefix] = queue
        self._notified_functions.add(function.node.path)
        return queue

    def _access_logs_bucket(self, props: SecureBucketProps) -> s3.IBucket | None:
        if not props.server_access_logs:
            return None
        if props.server_access_logs_bucket is not None:
            return props.server_access_logs_bucket
        # S3 can deliver server access logs only to a bucket encrypted with SSE-S3, never SSE-KMS.
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            lifecycle_rules=[s3.LifecycleRule(expiration=props.access_logs_expiration)],
            **_secure_settings(props, encryption_key=None),
        )
        for check_id, reason in _ACCESS_LOG_BUCKET_CHECKS.items():
            skip_check(access_logs, check_id, reason)
        return access_logs

    def _create_failure_queue(self, function: lambda_.IFunction) -> sqs.Queue:
        # Named after the function's path, which is unique and stable, so reordering calls replaces nothing.
        return create_failure_queue(
            self,
            f"{Names.unique_id(function)}FailureQueue",
            destination_of="the function's asynchronous invocations by S3",
            encryption_key=self._encryption_key,
        )

    def _acknowledge_notifications_handler(self) -> None:
        """Acknowledge the managed policy on CDK's notifications handler, and on nothing else in the stack."""
        for child in Stack.of(self).node.children:
            if child.node.id.startswith(_NOTIFICATIONS_HANDLER_ID_PREFIX):
                acknowledge_rule(child, _HANDLER_MANAGED_POLICY_RULE, _HANDLER_REASON)
                for check_id in _HANDLER_CHECKS:
                    skip_check(child, check_id, _HANDLER_CHECK_REASON)

    def _warn_about_weakened_defaults(self, props: SecureBucketProps) -> None:
        if not props.versioned:
            warn_weakened_default(self, "versioned", "an overwritten or deleted object cannot be recovered.")
        if not props.server_access_logs:
            warn_weakened_default(
                self, "server_access_logs", "requests to the bucket leave no record for audits or incidents."
            )
        if props.removal_policy == RemovalPolicy.DESTROY:
            warn_weakened_default(
                self, "removal_policy", "removing the resource from the stack deletes the bucket."
            )
        if props.auto_delete_objects:
            warn_weakened_default(
                self, "auto_delete_objects", "deleting the stack deletes every object and access log."
            )
        if "*" in props.cors_allowed_origins:
            warn_weakened_default(
                self, "cors_allowed_origins", "scripts on any website can read and write with a user's URLs."
            )


def _validate(props: SecureBucketProps) -> None:
    if props.auto_delete_objects and props.removal_policy != RemovalPolicy.DESTROY:
        raise AutoDeleteWithoutDestroyError(props.removal_policy)
    if not props.server_access_logs and props.server_access_logs_bucket is not None:
        raise ConflictingAccessLogsError


def _secure_settings(props: SecureBucketProps, *, encryption_key: kms.IKey | None) -> dict[str, Any]:
    """The settings the bucket and its log bucket share: private, TLS-only, encrypted, ACLs disabled."""
    return {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "encryption": s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
        "encryption_key": encryption_key,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "removal_policy": props.removal_policy,
        "auto_delete_objects": props.auto_delete_objects,
    }


def _object_lifecycle_rule(props: SecureBucketProps) -> s3.LifecycleRule:
    # Without versioning there are no noncurrent versions, and S3 rejects a rule that expires them.
    return s3.LifecycleRule(
        abort_incomplete_multipart_upload_after=props.abort_incomplete_multipart_upload_after,
        noncurrent_version_expiration=props.noncurrent_version_expiration if props.versioned else None,
    )


def _cors_rules(props: SecureBucketProps) -> list[s3.CorsRule] | None:
    if not props.cors_allowed_origins:
        return None
    return [
        s3.CorsRule(
            allowed_origins=list(props.cors_allowed_origins),
            allowed_methods=list(props.cors_allowed_methods),
            allowed_headers=list(props.cors_allowed_headers),
            exposed_headers=list(_CORS_EXPOSED_HEADERS),
            max_age=int(props.cors_max_age.to_seconds()),
        )
    ]
