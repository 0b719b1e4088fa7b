"""Fixtures for the emulator's own tests: one moto server on loopback per session, with fake credentials."""

import socket
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

FAKE_ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def free_port() -> int:
    """A port that was free a moment ago on loopback; good enough for tests on one machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server that lives for the whole session (reset it yourself if you need it empty)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Points boto3 in this process at the session's moto server with fake credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint
