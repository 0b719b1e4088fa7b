"""SecureBucket: every default in the template, every override honoured, nag- and lint-clean alone.

Functions, keys, queues and the shared log bucket are imported, so that cdk-nag and cfn-lint see only
what the construct adds.
"""

from typing import Any

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from serverless_blocks import (
    AutoDeleteWithoutDestroyError,
    ConflictingAccessLogsError,
    FunctionAlreadyNotifiedError,
    SecureBucket,
    SecureBucketProps,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:thumbnail-failures"
BUCKET = "AWS::S3::Bucket"
QUEUE = "AWS::SQS::Queue"
INVOKE_CONFIG = "AWS::Lambda::EventInvokeConfig"
NOTIFICATIONS = "Custom::S3BucketNotifications"
FOURTEEN_DAYS = 14 * 24 * 60 * 60
ORIGIN = "https://app.example.com"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
S3_MANAGED = {
    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
}
OWNER_ENFORCED = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
HANDLER_MANAGED_POLICY = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def _imported_function(stack: Stack, name: str) -> lambda_.IFunction:
    return lambda_.Function.from_function_attributes(
        stack,
        name,
        function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name.lower()}",
        role=iam.Role.from_role_arn(stack, f"{name}Role", f"arn:aws:iam::{ACCOUNT}:role/{name.lower()}"),
        same_environment=True,
    )


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[SecureBucket]:
    def build(stack: Stack) -> SecureBucket:
        return SecureBucket(stack, "Uploads", props=SecureBucketProps())

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[SecureBucket]:
    def build(stack: Stack) -> SecureBucket:
        props = SecureBucketProps(
            bucket_name="corkboard-uploads-test",
            encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
            versioned=False,
            server_access_logs_bucket=s3.Bucket.from_bucket_name(stack, "SharedLogs", "shared-access-logs"),
            server_access_logs_prefix="uploads/",
            abort_incomplete_multipart_upload_after=Duration.days(3),
            noncurrent_version_expiration=Duration.days(7),
            lifecycle_rules=(
                s3.LifecycleRule(id="ExpireIncoming", prefix="incoming/", expiration=Duration.days(2)),
            ),
            cors_allowed_origins=(ORIGIN, "http://localhost:5173"),
            cors_allowed_methods=(s3.HttpMethods.PUT,),
            cors_allowed_headers=("Content-Type",),
            cors_max_age=Duration.minutes(10),
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        return SecureBucket(stack, "Uploads", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


@pytest.fixture(scope="module")
def unlogged(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[SecureBucket]:
    def build(stack: Stack) -> SecureBucket:
        return SecureBucket(stack, "Uploads", props=SecureBucketProps(server_access_logs=False))

    return synthesize(build, tmp_path_factory.mktemp("unlogged"))


@pytest.fixture(scope="module")
def notified(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[SecureBucket]:
    def build(stack: Stack) -> SecureBucket:
        bucket = SecureBucket(stack, "Uploads", props=SecureBucketProps())
        bucket.notify_function(_imported_function(stack, "Scanner"), prefix="incoming/")
        bucket.notify_function(
            _imported_function(stack, "Thumbnailer"),
            prefix="images/",
            retry_attempts=0,
            max_event_age=Duration.minutes(30),
            failure_queue=sqs.Queue.from_queue_arn(stack, "ThumbnailFailures", QUEUE_ARN),
        )
        return bucket

    return synthesize(build, tmp_path_factory.mktemp("notified"))


def _bucket_properties(synthesized: SynthesizedBlock[SecureBucket], bucket: s3.IBucket) -> dict[str, Any]:
    logical_id = synthesized.stack.get_logical_id(bucket.node.default_child)
    return synthesized.template.find_resources(BUCKET)[logical_id]["Properties"]


def _logical_id(synthesized: SynthesizedBlock[SecureBucket], construct: Any) -> str:
    return synthesized.stack.get_logical_id(construct.node.default_child)


def _tls_deny_statement(bucket_id: str) -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
    return {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": [bucket_arn, {"Fn::Join": ["", [bucket_arn, "/*"]]}],
    }


def test_default_bucket_is_private_encrypted_owner_enforced_versioned_and_retained(
    default: SynthesizedBlock[SecureBucket],
) -> None:
    logical_id = _logical_id(default, default.block.bucket)
    default.template.template_matches(
        {
            "Resources": {
                logical_id: {
                    "Properties": Match.object_like(
                        {
                            "PublicAccessBlockConfiguration": BLOCK_ALL,
                            "BucketEncryption": S3_MANAGED,
                            "OwnershipControls": OWNER_ENFORCED,
                            "VersioningConfiguration": {"Status": "Enabled"},
                            "BucketName": Match.absent(),
                            "CorsConfiguration": Match.absent(),
                        }
                    ),
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Retain",
                }
            }
        }
    )


def test_default_lifecycle_aborts_uploads_after_a_day_and_expires_old_versions_after_30_days(
    default: SynthesizedBlock[SecureBucket],
) -> None:
    assert _bucket_properties(default, default.block.bucket)["LifecycleConfiguration"] == {
        "Rules": [
            {
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "Status": "Enabled",
            }
        ]
    }


def test_default_every_request_without_tls_is_denied_on_both_buckets(
    default: SynthesizedBlock[SecureBucket],
) -> None:
    for bucket in (default.block.bucket, default.block.access_logs_bucket):
        bucket_id = _logical_id(default, bucket)
        default.template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": {"Ref": bucket_id},
                "PolicyDocument": {"Statement": Match.array_with([_tls_deny_statement(bucket_id)])},
            },
        )


def test_default_access_logs_go_to_a_private_bucket_that_expires_them_after_90_days(
    default: SynthesizedBlock[SecureBucket],
) -> None:
    logs_id = _logical_id(default, default.block.access_logs_bucket)
    assert _bucket_properties(default, default.block.bucket)["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": logs_id}
    }
    assert _bucket_properties(default, default.block.access_logs_bucket) == {
        "PublicAccessBlockConfiguration": BLOCK_ALL,
        "BucketEncryption": S3_MANAGED,
        "OwnershipControls": OWNER_ENFORCED,
        "LifecycleConfiguration": {"Rules": [{"ExpirationInDays": 90, "Status": "Enabled"}]},
    }
    default.template.resource_count_is(BUCKET, 2)


def test_default_log_delivery_is_allowed_by_bucket_policy_from_this_bucket_only(
    default: SynthesizedBlock[SecureBucket],
) -> None:
    logs_id = _logical_id(default, default.block.access_logs_bucket)
    default.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logs_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "s3:PutObject",
                            "Condition": {
                                "ArnLike": {
                                    "aws:SourceArn": {
                                        "Fn::GetAtt": [_logical_id(default, default.block.bucket), "Arn"]
                                    }
                                },
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            },
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [logs_id, "Arn"]}, "/*"]]},
                        }
                    ]
                )
            },
        },
    )


def test_default_exposes_both_buckets_and_no_failure_queues(default: SynthesizedBlock[SecureBucket]) -> None:
    assert isinstance(default.block.bucket, s3.Bucket)
    assert isinstance(default.block.access_logs_bucket, s3.Bucket)
    assert default.block.failure_queues == {}


def test_default_is_nag_clean_without_acknowledgments(default: SynthesizedBlock[SecureBucket]) -> None:
    assert_nag_clean(default.nag_findings)
    assert acknowledgments(default.stack) == []


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[SecureBucket]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[SecureBucket]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_name_kms_key_no_versioning_and_destroy(overridden: SynthesizedBlock[SecureBucket]) -> None:
    overridden.template.has_resource(
        BUCKET,
        {
            "Properties": Match.object_like(
                {
                    "BucketName": "corkboard-uploads-test",
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": KEY_ARN,
                                }
                            }
                        ]
                    },
                    "VersioningConfiguration": Match.absent(),
                    "PublicAccessBlockConfiguration": BLOCK_ALL,
                    "OwnershipControls": OWNER_ENFORCED,
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_override_lifecycle_has_no_version_rule_without_versioning_and_ends_with_the_given_rules(
    overridden: SynthesizedBlock[SecureBucket],
) -> None:
    assert _bucket_properties(overridden, overridden.block.bucket)["LifecycleConfiguration"] == {
        "Rules": [
            {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}, "Status": "Enabled"},
            {"ExpirationInDays": 2, "Id": "ExpireIncoming", "Prefix": "incoming/", "Status": "Enabled"},
        ]
    }


def test_override_logs_go_to_the_given_bucket_and_no_log_bucket_is_created(
    overridden: SynthesizedBlock[SecureBucket],
) -> None:
    assert _bucket_properties(overridden, overridden.block.bucket)["LoggingConfiguration"] == {
        "DestinationBucketName": "shared-access-logs",
        "LogFilePrefix": "uploads/",
    }
    overridden.template.resource_count_is(BUCKET, 1)
    assert overridden.block.access_logs_bucket is not None
    assert overridden.block.access_logs_bucket.bucket_name == "shared-access-logs"


def test_override_cors_allows_only_the_given_origins_methods_and_headers(
    overridden: SynthesizedBlock[SecureBucket],
) -> None:
    assert _bucket_properties(overridden, overridden.block.bucket)["CorsConfiguration"] == {
        "CorsRules": [
            {
                "AllowedOrigins": [ORIGIN, "http://localhost:5173"],
                "AllowedMethods": ["PUT"],
                "AllowedHeaders": ["Content-Type"],
                "ExposedHeaders": ["ETag"],
                "MaxAge": 600,
            }
        ]
    }


def test_override_auto_delete_objects_adds_cdk_custom_resource(
    overridden: SynthesizedBlock[SecureBucket],
) -> None:
    overridden.template.resource_count_is("Custom::S3AutoDeleteObjects", 1)


def test_override_is_nag_and_cfn_lint_clean(overridden: SynthesizedBlock[SecureBucket]) -> None:
    assert_nag_clean(overridden.nag_findings)
    assert lint_template(overridden.template.to_json()) == []


def test_override_warns_about_each_weakened_default(overridden: SynthesizedBlock[SecureBucket]) -> None:
    assert weakened_defaults(overridden.stack) == {"versioned", "removal_policy", "auto_delete_objects"}


def test_default_cors_rule_is_strict_for_browser_uploads() -> None:
    stack = Stack()
    SecureBucket(stack, "Uploads", props=SecureBucketProps(cors_allowed_origins=(ORIGIN,)))
    Template.from_stack(stack).has_resource_properties(
        BUCKET,
        {
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedOrigins": [ORIGIN],
                        "AllowedMethods": ["POST", "PUT", "GET", "HEAD"],
                        "AllowedHeaders": ["Content-Type", "Content-MD5"],
                        "ExposedHeaders": ["ETag"],
                        "MaxAge": 3600,
                    }
                ]
            }
        },
    )


def test_any_origin_warns() -> None:
    stack = Stack()
    SecureBucket(stack, "Uploads", props=SecureBucketProps(cors_allowed_origins=("*",)))
    assert weakened_defaults(stack) == {"cors_allowed_origins"}


def test_without_access_logs_no_log_bucket_and_s1_is_acknowledged_on_the_bucket(
    unlogged: SynthesizedBlock[SecureBucket],
) -> None:
    assert "LoggingConfiguration" not in _bucket_properties(unlogged, unlogged.block.bucket)
    unlogged.template.resource_count_is(BUCKET, 1)
    assert unlogged.block.access_logs_bucket is None
    assert_nag_clean(unlogged.nag_findings)
    assert_acknowledgments_justified(unlogged.stack)
    assert {(ack.rule_id, ack.construct_path) for ack in acknowledgments(unlogged.stack)} == {
        ("AwsSolutions-S1", "BlockUnderTest/Uploads/Bucket"),
    }
    assert weakened_defaults(unlogged.stack) == {"server_access_logs"}


def test_notify_function_routes_created_objects_under_each_prefix(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    notified.template.has_resource_properties(
        NOTIFICATIONS,
        {
            "BucketName": {"Ref": _logical_id(notified, notified.block.bucket)},
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                        "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
                    }
                    for prefix, name in (("incoming/", "scanner"), ("images/", "thumbnailer"))
                ]
            },
        },
    )


def test_notify_function_lets_only_this_bucket_invoke_the_function(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    notified.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scanner",
            "Principal": "s3.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {"Fn::GetAtt": [_logical_id(notified, notified.block.bucket), "Arn"]},
        },
    )


def test_notify_function_default_retries_twice_for_six_hours_then_fails_to_a_new_queue(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    queue = notified.block.failure_queues["incoming/"]
    assert isinstance(queue, sqs.Queue)
    notified.template.has_resource_properties(
        INVOKE_CONFIG,
        {
            "FunctionName": "scanner",
            "Qualifier": "$LATEST",
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 6 * 3600,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [_logical_id(notified, queue), "Arn"]}}
            },
        },
    )
    notified.template.has_resource_properties(
        QUEUE, {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": FOURTEEN_DAYS}
    )


def test_notify_function_override_retries_age_and_given_queue(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    notified.template.has_resource_properties(
        INVOKE_CONFIG,
        {
            "FunctionName": "thumbnailer",
            "MaximumRetryAttempts": 0,
            "MaximumEventAgeInSeconds": 1800,
            "DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN}},
        },
    )
    notified.template.resource_count_is(QUEUE, 1)
    assert notified.block.failure_queues["images/"].queue_arn == QUEUE_ARN


def test_notify_function_failure_queue_refuses_requests_without_tls(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    queue_id = _logical_id(notified, notified.block.failure_queues["incoming/"])
    notified.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_notify_function_grants_each_function_role_sending_to_its_queue(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    queue_id = _logical_id(notified, notified.block.failure_queues["incoming/"])
    notified.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": ["scanner"],
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": Match.array_with(["sqs:SendMessage"]),
                            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
                        }
                    )
                ]
            },
        },
    )


def test_notified_is_nag_clean_with_justified_acknowledgments(
    notified: SynthesizedBlock[SecureBucket],
) -> None:
    assert_nag_clean(notified.nag_findings)
    assert_acknowledgments_justified(notified.stack)
    queue_path = notified.block.failure_queues["incoming/"].node.path
    (handler,) = [
        child.node.path
        for child in notified.stack.node.children
        if child.node.id.startswith("BucketNotificationsHandler")
    ]
    assert {(ack.rule_id, ack.construct_path) for ack in acknowledgments(notified.stack)} == {
        ("AwsSolutions-SQS3", queue_path),
        ("Serverless-SQSRedrivePolicy", queue_path),
        (HANDLER_MANAGED_POLICY, handler),
    }
    assert len(acknowledgments(notified.stack)) == 3


def test_notified_template_is_cfn_lint_clean(notified: SynthesizedBlock[SecureBucket]) -> None:
    assert lint_template(notified.template.to_json()) == []


def test_auto_delete_without_destroy_is_refused() -> None:
    with pytest.raises(AutoDeleteWithoutDestroyError, match=r"RemovalPolicy\.DESTROY"):
        SecureBucket(Stack(), "Uploads", props=SecureBucketProps(auto_delete_objects=True))


def test_logs_off_with_a_log_bucket_is_refused() -> None:
    stack = Stack()
    logs = s3.Bucket.from_bucket_name(stack, "Logs", "logs")
    props = SecureBucketProps(server_access_logs=False, server_access_logs_bucket=logs)
    with pytest.raises(ConflictingAccessLogsError, match="server_access_logs_bucket"):
        SecureBucket(stack, "Uploads", props=props)


def test_notifying_the_same_function_twice_is_refused() -> None:
    stack = Stack()
    scanner = _imported_function(stack, "Scanner")
    bucket = SecureBucket(stack, "Uploads", props=SecureBucketProps())
    bucket.notify_function(scanner, prefix="incoming/")
    with pytest.raises(FunctionAlreadyNotifiedError, match="notify it once"):
        bucket.notify_function(scanner, prefix="other/")
