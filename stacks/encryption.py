"""The environment's customer-managed KMS key, and the one grant that lets a function use it.

One key per environment (cdk.json ``encryption: customer-managed``) encrypts the tables, the cursor
secret, every log group, every queue and the alarm topic. Its policy keeps CDK's default statement (the
account may delegate use through IAM) and admits exactly two services directly: CloudWatch Logs, for this
account's log groups only, and CloudWatch alarms publishing to the topic (ApiMonitoring adds that one).
DynamoDB, SQS and Secrets Manager use the key with the caller's own permissions, so functions get an IAM
grant that holds only when the request comes through one of those three services (kms:ViaService).
"""

from typing import Final

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.config import EnvironmentConfig

__all__ = ["KEY_USE_ACTIONS", "KEY_USE_SERVICES", "allow_key_use", "environment_key"]

# What DynamoDB, SQS and Secrets Manager ask KMS for on a caller's behalf: data keys to encrypt with,
# decryption of stored ones, and the key's description (DynamoDB checks the key before using it).
KEY_USE_ACTIONS: Final = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")
KEY_USE_SERVICES: Final = ("dynamodb", "secretsmanager", "sqs")
# What CloudWatch Logs needs to encrypt and read a log group's data (its documented key policy).
_LOGS_ACTIONS: Final = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)
# A deleted key makes everything it encrypted unreadable: the longest window KMS allows to change one's mind.
_PENDING_WINDOW: Final = Duration.days(30)


def environment_key(scope: Construct, config: EnvironmentConfig) -> kms.Key | None:
    """The key of ``config``'s environment, or None when cdk.json says ``encryption: aws-managed``."""
    if config.encryption != "customer-managed":
        return None
    key = kms.Key(
        scope,
        "EncryptionKey",
        alias=f"alias/corkboard-{config.name}",
        description=f"Corkboard {config.name}: tables, cursor secret, log groups, queues and alarm topic",
        enable_key_rotation=True,
        pending_window=_PENDING_WINDOW,
        removal_policy=config.cdk_removal_policy,
    )
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=list(_LOGS_ACTIONS),
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key


def allow_key_use(role: iam.IRole, key: kms.IKey) -> None:
    """Let ``role`` use ``key`` through DynamoDB, SQS and Secrets Manager, and in no other way.

    The role still needs the resource's own permission (dynamodb:GetItem, sqs:SendMessage, ...); the
    key grant alone reads nothing, and a direct kms:Decrypt call with it is refused.
    """
    region = Stack.of(role).region
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(KEY_USE_ACTIONS),
            resources=[key.key_arn],
            conditions={
                "StringEquals": {
                    "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in KEY_USE_SERVICES]
                }
            },
        )
    )
