"""Fixtures for the emulator's own tests: one moto server on loopback per session, with fake credentials."""

from collections.abc import Iterator

import pytest

from emulator.embedded_aws import FAKE_ACCOUNT_ID, EmbeddedAws
from emulator.ports import claim_port

__all__ = ["FAKE_ACCOUNT_ID", "REGION", "free_port"]

REGION = "us-east-1"


def free_port() -> int:
    """A port that was free a moment ago on loopback; good enough for tests on one machine."""
    return claim_port(0, purpose="a test server", flag="free_port()")


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
