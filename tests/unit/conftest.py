"""Shared fixtures for every unit test: an in-process AWS (moto) laid out exactly as the stacks deploy it.

``aws`` is opt-in (not autouse): tests that need AWS ask for it, or for ``repository``, which builds on it.
Table layouts come from ``corkboard.table_design``, the module the stacks also read, so the fixture tables
cannot drift from the deployed ones.
"""

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from threading import RLock
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import clear_caches
from connections_endpoint import ConnectionsEndpoint
from connections_table import create_connections_table
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from corkboard.odm.client import dynamodb_client
from corkboard.repository import CorkboardRepository
from corkboard.services import store
from corkboard.table_design import (
    ADMIN_GROUP,
    ENV_ADMIN_GROUP,
    ENV_CONNECTIONS_TABLE_NAME,
    ENV_CURSOR_SECRET_ARN,
    ENV_IDEMPOTENCY_TABLE_NAME,
    ENV_TABLE_NAME,
    ENV_WEBSOCKET_CALLBACK_URL,
    GSI1_NAME,
    GSI1_PARTITION_KEY,
    GSI1_SORT_KEY,
    IDEMPOTENCY_PARTITION_KEY,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
)

REGION = "us-east-1"
MAIN_TABLE_NAME = "corkboard-test-main"
IDEMPOTENCY_TABLE_NAME = "corkboard-test-idempotency"
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
_UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_CONFIG_FILE")


@dataclass(frozen=True)
class AwsResources:
    """What the ``aws`` fixture created; the same names are also in the environment variables."""

    region: str
    table_name: str
    idempotency_table_name: str
    cursor_secret_arn: str
    cursor_key: bytes


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsResources]:
    """A fresh moto account with the main table, the idempotency table and the cursor-key secret."""
    for name, value in _FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        _create_main_table(dynamodb)
        _create_idempotency_table(dynamodb)
        cursor_key = secrets.token_urlsafe(32)
        secret_arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=CURSOR_SECRET_NAME, SecretString=cursor_key
        )["ARN"]
        monkeypatch.setenv(ENV_TABLE_NAME, MAIN_TABLE_NAME)
        monkeypatch.setenv(ENV_IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_TABLE_NAME)
        monkeypatch.setenv(ENV_CURSOR_SECRET_ARN, secret_arn)
        monkeypatch.setenv(ENV_ADMIN_GROUP, ADMIN_GROUP)
        _forget_cached_clients()
        yield AwsResources(REGION, MAIN_TABLE_NAME, IDEMPOTENCY_TABLE_NAME, secret_arn, cursor_key.encode())
        _forget_cached_clients()


@pytest.fixture
def repository(aws: AwsResources) -> CorkboardRepository:
    """A repository configured the way Lambda configures it: from the environment and the secret."""
    return CorkboardRepository()


@pytest.fixture
def atomic_item_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto the per-item write atomicity that DynamoDB guarantees, and nothing more.

    moto 5.2.5 applies a conditional write as read, check, assign with no lock (moto/dynamodb/models/table.py,
    ``Table.put_item``: ``current = self.get_item(...)``, condition check, ``self.items[...][...] = item``).
    When the GIL switches threads between the check and the assignment, two writers both pass
    ``version = :expected`` and both "succeed": a lost update DynamoDB never allows. Tests that race threads
    on one item need this, or they fail now and then with two winners. The code under test is untouched:
    every writer still sends its own conditional write at the same moment as the others.
    """
    lock = RLock()
    for name in _MOTO_WRITE_METHODS:
        monkeypatch.setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name), lock))


_MOTO_WRITE_METHODS = ("put_item", "update_item", "delete_item", "transact_write_items")


def _serialized(method: Callable[..., Any], lock: RLock) -> Callable[..., Any]:
    @wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return locked


def _forget_cached_clients() -> None:
    # Process-wide caches would otherwise carry one test's clients and secrets into the next.
    dynamodb_client.cache_clear()
    clear_caches()


def _create_main_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=MAIN_TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in (PARTITION_KEY, SORT_KEY, GSI1_PARTITION_KEY, GSI1_SORT_KEY)
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": GSI1_NAME,
                "KeySchema": [
                    {"AttributeName": GSI1_PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": GSI1_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.update_time_to_live(
        TableName=MAIN_TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def _create_idempotency_table(dynamodb: Any) -> None:
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


@pytest.fixture
def connections_table(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The WebSocket connections table on the ``aws`` account, named in CONNECTIONS_TABLE_NAME."""
    name = create_connections_table(boto3.client("dynamodb", region_name=aws.region))
    monkeypatch.setenv(ENV_CONNECTIONS_TABLE_NAME, name)
    _forget_shared_services()
    yield name
    _forget_shared_services()


@pytest.fixture
def connections_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionsEndpoint]:
    """A local ``@connections`` endpoint, named in WEBSOCKET_CALLBACK_URL (see connections_endpoint.py)."""
    with ConnectionsEndpoint() as endpoint:
        monkeypatch.setenv(ENV_WEBSOCKET_CALLBACK_URL, endpoint.callback_url)
        store.management_api.cache_clear()
        yield endpoint
        store.management_api.cache_clear()


def _forget_shared_services() -> None:
    # The services' singletons were built for the previous test's tables and endpoint.
    store.repository.cache_clear()
    store.connections.cache_clear()
