"""Fixtures for the local cloud's own tests: one moto server on loopback per session, with fake
credentials."""

from collections.abc import Iterator

import pytest
from fakes import REGION

from cdk_local_cloud.embedded_aws.server import EmbeddedAws


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server that lives for the whole session (reset it yourself if you need it empty)."""
    with EmbeddedAws() as embedded_aws:
        yield embedded_aws.endpoint_url


@pytest.fixture
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Points boto3 in this process at the session's moto server with fake credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint
