"""Shared fixtures for every unit test: an in-process AWS (moto) laid out exactly as the stacks deploy it.

``aws`` is opt-in (not autouse): tests that need AWS ask for it, or for ``repository``, which builds on it.
The account's layout is in moto_account.py, shared with the attachment tests that run moto as a server.
It is built once per session (per xdist worker) and put back as built before each test (account_snapshot.py),
so every test still starts from a fresh account, the connections table included.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from account_snapshot import AccountSnapshot
from connections_endpoint import ConnectionsEndpoint
from connections_table import create_connections_table
from moto import mock_aws
from moto_account import AwsResources, create_stack_resources, forget_cached_clients, use_fake_credentials
from service_model_cache import share_service_models

from cdk_local_cloud.embedded_aws.dynamodb_transactions import install_in_place_rollback
from corkboard.repository import CorkboardRepository
from corkboard.services import store
from corkboard.table_design import ENV_CONNECTIONS_TABLE_NAME, ENV_WEBSOCKET_CALLBACK_URL


@pytest.fixture(scope="session", autouse=True)
def _transactions_roll_back_in_place() -> None:
    """moto's TransactWriteItems deep-copies every table it names, once per item, in case it fails: 0.4 s
    a transaction on a board of 5,000 tasks. The local cloud's in-place rollback journals the named items
    instead, and fails as DynamoDB does (local_cloud/tests/test_embedded_aws_transactions.py)."""
    install_in_place_rollback()


@pytest.fixture(scope="session", autouse=True)
def _parse_service_models_once() -> Iterator[None]:
    """Fresh clients in every test without parsing their models every time (service_model_cache.py)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        share_service_models(monkeypatch)
        yield


@dataclass(frozen=True)
class UnitAccount:
    """The stack's resources and the connections table, which only tests that ask for it see named."""

    resources: AwsResources
    connections_table: str


def _build_unit_account(monkeypatch: pytest.MonkeyPatch) -> UnitAccount:
    resources = create_stack_resources(monkeypatch)
    return UnitAccount(
        resources, create_connections_table(boto3.client("dynamodb", region_name=resources.region))
    )


@pytest.fixture(scope="session")
def unit_account() -> AccountSnapshot[UnitAccount]:
    """The account, built once per session (per worker) and restored for each test (account_snapshot.py)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_fake_credentials(monkeypatch)
        return AccountSnapshot.take(_build_unit_account)


@pytest.fixture
def aws(
    monkeypatch: pytest.MonkeyPatch, unit_account: AccountSnapshot[UnitAccount]
) -> Iterator[AwsResources]:
    """A fresh moto account with both tables, the cursor-key secret and the (versioned) attachments bucket."""
    use_fake_credentials(monkeypatch)
    with mock_aws():
        resources = unit_account.restore(monkeypatch).resources
        forget_cached_clients()
        yield resources
        forget_cached_clients()


@pytest.fixture
def repository(aws: AwsResources) -> CorkboardRepository:
    """A repository configured the way Lambda configures it: from the environment and the secret."""
    return CorkboardRepository()


@pytest.fixture
def connections_table(
    aws: AwsResources, unit_account: AccountSnapshot[UnitAccount], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The WebSocket connections table on the in-process ``aws`` account, named in CONNECTIONS_TABLE_NAME."""
    name = unit_account.created.connections_table
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
