"""Fixtures for dynamo_odm's own tests: the ``notes`` table on moto, in process, and no application in sight.

Every test gets a fresh moto account; creating one table there takes milliseconds.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dynamo_odm import CursorCodec, Table
from dynamo_odm.client import dynamodb_client
from tests.odm.notes_table import (
    CURSOR_KEY,
    FAKE_CREDENTIALS,
    REGION,
    SCHEMA,
    TABLE_NAME,
    UNSET,
    create_table,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh, empty moto account that boto3 reaches with fake credentials, and nothing else."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    # The layer's shared client may have been built for another endpoint earlier in this process.
    dynamodb_client.cache_clear()
    with mock_aws():
        yield
    dynamodb_client.cache_clear()


@pytest.fixture
def dynamodb(aws: None) -> Any:
    """A plain client on the ``notes`` table's account, for looking behind the layer's back."""
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client)
    return client


@pytest.fixture
def table(dynamodb: Any) -> Table:
    """The layer over ``notes``, paging with signed cursors."""
    return Table(TABLE_NAME, SCHEMA, client=dynamodb, cursors=CursorCodec(CURSOR_KEY))
