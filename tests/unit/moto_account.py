"""A moto account laid out as the stacks deploy it: the tables, the cursor-key secret, the attachments bucket.

Key and index names come from ``corkboard.table_design``, the module the stacks also read, so these
cannot drift from the deployed ones. Shared by the in-process ``aws`` fixture (tests/unit/conftest.py)
and the moto-server fixture of the attachment tests (tests/unit/attachments/conftest.py), which differ
only in how boto3 reaches moto.
"""

import secrets
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import clear_caches

from corkboard.attachment_bucket import s3_client
from corkboard.services import store
from corkboard.table_design import (
    ADMIN_GROUP,
    ENV_ADMIN_GROUP,
    ENV_ATTACHMENTS_BUCKET_NAME,
    ENV_CURSOR_SECRET_ARN,
    ENV_IDEMPOTENCY_TABLE_NAME,
    ENV_TABLE_NAME,
    GSI1_NAME,
    GSI1_PARTITION_KEY,
    GSI1_SORT_KEY,
    GSI2_NAME,
    GSI2_PARTITION_KEY,
    GSI2_SORT_KEY,
    IDEMPOTENCY_PARTITION_KEY,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
)
from dynamo_odm.client import dynamodb_client

__all__ = [
    "ATTACHMENTS_BUCKET_NAME",
    "IDEMPOTENCY_TABLE_NAME",
    "MAIN_TABLE_NAME",
    "REGION",
    "AwsResources",
    "create_attachments_bucket",
    "create_idempotency_table",
    "create_main_table",
    "create_stack_resources",
    "forget_cached_clients",
    "use_fake_credentials",
]

REGION = "us-east-1"
CURSOR_SECRET_NAME = "corkboard-test-cursor-key"
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Anything that could point boto3 at a real account or at the local emulator.
_UNSET = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CONFIG_FILE",
)

MAIN_TABLE_NAME = "corkboard-test-main"
IDEMPOTENCY_TABLE_NAME = "corkboard-test-idempotency"
ATTACHMENTS_BUCKET_NAME = "corkboard-test-attachments"


def create_main_table(dynamodb: Any) -> str:
    """The domain table with GSI1, GSI2, TTL and a NEW_AND_OLD_IMAGES stream; returns its name."""
    dynamodb.create_table(
        TableName=MAIN_TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in (
                PARTITION_KEY,
                SORT_KEY,
                GSI1_PARTITION_KEY,
                GSI1_SORT_KEY,
                GSI2_PARTITION_KEY,
                GSI2_SORT_KEY,
            )
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": partition_key, "KeyType": "HASH"},
                    {"AttributeName": sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, partition_key, sort_key in (
                (GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY),
                (GSI2_NAME, GSI2_PARTITION_KEY, GSI2_SORT_KEY),
            )
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.update_time_to_live(
        TableName=MAIN_TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    return MAIN_TABLE_NAME


def create_idempotency_table(dynamodb: Any) -> str:
    """The table Powertools idempotency stores its records in; returns its name."""
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(
        TableName=IDEMPOTENCY_TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": IDEMPOTENCY_TTL_ATTRIBUTE},
    )
    return IDEMPOTENCY_TABLE_NAME


def create_attachments_bucket(s3: Any, *, versioned: bool) -> str:
    """The attachments bucket, versioned as in prod or not as in dev; returns its name."""
    s3.create_bucket(Bucket=ATTACHMENTS_BUCKET_NAME)
    if versioned:
        s3.put_bucket_versioning(
            Bucket=ATTACHMENTS_BUCKET_NAME, VersioningConfiguration={"Status": "Enabled"}
        )
    return ATTACHMENTS_BUCKET_NAME


@dataclass(frozen=True)
class AwsResources:
    """What was created; the same names are also in the environment variables."""

    region: str
    table_name: str
    idempotency_table_name: str
    cursor_secret_arn: str
    cursor_key: bytes
    bucket_name: str


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and region that can only ever reach moto, and no setting that points boto3 elsewhere."""
    for name, value in _FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


def create_stack_resources(monkeypatch: pytest.MonkeyPatch, *, versioned: bool = True) -> AwsResources:
    """Create what the stacks deploy on the moto that boto3 reaches now, and name it in the environment."""
    main_table = create_main_table(boto3.client("dynamodb", region_name=REGION))
    idempotency_table = create_idempotency_table(boto3.client("dynamodb", region_name=REGION))
    bucket = create_attachments_bucket(boto3.client("s3", region_name=REGION), versioned=versioned)
    cursor_key = secrets.token_urlsafe(32)
    secret_arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=CURSOR_SECRET_NAME, SecretString=cursor_key
    )["ARN"]
    monkeypatch.setenv(ENV_TABLE_NAME, main_table)
    monkeypatch.setenv(ENV_IDEMPOTENCY_TABLE_NAME, idempotency_table)
    monkeypatch.setenv(ENV_CURSOR_SECRET_ARN, secret_arn)
    monkeypatch.setenv(ENV_ATTACHMENTS_BUCKET_NAME, bucket)
    monkeypatch.setenv(ENV_ADMIN_GROUP, ADMIN_GROUP)
    forget_cached_clients()
    return AwsResources(REGION, main_table, idempotency_table, secret_arn, cursor_key.encode(), bucket)


def forget_cached_clients() -> None:
    """Drop process-wide clients, secrets and services, which would carry one test's AWS into the next."""
    dynamodb_client.cache_clear()
    s3_client.cache_clear()
    store.repository.cache_clear()
    store.attachment_bucket.cache_clear()
    clear_caches()
