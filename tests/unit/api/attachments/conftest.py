"""The attachment tests' AWS: moto as a real HTTP server, so files go up and come down over HTTP.

Presigned URLs are only worth testing with a real HTTP client, and moto's in-process mock cannot serve
one, so here the ``aws`` fixture is overridden: the same account (moto_account.py), created on a moto
server (the local cloud's EmbeddedAws) that every boto3 client reaches through ``AWS_ENDPOINT_URL``,
exactly as the Lambda code reaches the local cloud. The fixtures built on ``aws`` (``api``, ``board``,
``repository``) run on it unchanged, and so does ``connections_table``, overridden here to create the
WebSocket connections table on the server too. The server starts once per session on a free port and is
reset before every test; the account is then put back from a copy built once (account_snapshot.py).
"""

from collections.abc import Iterator
from functools import partial

import boto3
import pytest
import requests
from account_snapshot import AccountSnapshot
from connections_table import create_connections_table
from moto_account import AwsResources, create_stack_resources, forget_cached_clients, use_fake_credentials
from rest_harness import Api, SeededBoard
from upload_harness import Uploads

from cdk_local_cloud.embedded_aws.server import EmbeddedAws
from corkboard.services import store
from corkboard.table_design import ENV_CONNECTIONS_TABLE_NAME


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The server's base URL, e.g. ``http://127.0.0.1:41234``: the local cloud's embedded AWS, alone."""
    with EmbeddedAws() as embedded_aws:
        yield embedded_aws.endpoint_url


@pytest.fixture
def bucket_versioned() -> bool:
    """Whether the attachments bucket keeps versions, as in prod; parametrize with False for dev's."""
    return True


@pytest.fixture(scope="session")
def server_accounts() -> dict[bool, AccountSnapshot[AwsResources]]:
    """The account with a versioned bucket and with an unversioned one, each built once per session.

    Built on the in-process moto: the server runs in this process too, so it serves what is restored there.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_fake_credentials(monkeypatch)
        return {
            versioned: AccountSnapshot.take(partial(create_stack_resources, versioned=versioned))
            for versioned in (True, False)
        }


@pytest.fixture
def aws(
    moto_server: str,
    bucket_versioned: bool,
    server_accounts: dict[bool, AccountSnapshot[AwsResources]],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AwsResources]:
    """A fresh account on the moto server (the in-process ``aws`` fixture, over HTTP)."""
    use_fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    resources = server_accounts[bucket_versioned].restore(monkeypatch)
    forget_cached_clients()
    yield resources
    forget_cached_clients()


@pytest.fixture
def uploads(api: Api, board: SeededBoard, aws: AwsResources) -> Uploads:
    """Attachments on the seeded board's task, driven through the API, S3 over HTTP and the processor."""
    return Uploads(api, board, aws.bucket_name)


@pytest.fixture
def connections_table(aws: AwsResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The connections table on the server: removing a member or deleting a board ends subscriptions in it."""
    name = create_connections_table(boto3.client("dynamodb", region_name=aws.region))
    monkeypatch.setenv(ENV_CONNECTIONS_TABLE_NAME, name)
    store.connections.cache_clear()
    yield name
    store.connections.cache_clear()
