"""Fixtures for the local cloud's own tests: one moto server on loopback per session, with fake
credentials."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from event_source_doubles import FakeInvoker, StartSources, build_deployment
from fakes import REGION

from cdk_local_cloud.contracts.deployment import Resource
from cdk_local_cloud.embedded_aws.server import EmbeddedAws
from cdk_local_cloud.events import EventSources


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


@pytest.fixture
def invoker() -> FakeInvoker:
    return FakeInvoker()


@pytest.fixture
def start_sources(moto_endpoint: str, tmp_path: Path, invoker: FakeInvoker) -> Iterator[StartSources]:
    """Starts event sources for a deployment of the given resources, with the tests' short intervals unless
    told otherwise (``poll_interval=``, ...); all of them stop at teardown."""
    started: list[EventSources] = []

    def start(*resources: Resource, **intervals: float) -> EventSources:
        settings = {"poll_interval": 0.05, "retry_delay": 0.05} | intervals
        sources = EventSources(build_deployment(moto_endpoint, tmp_path, *resources), invoker, **settings)
        sources.start()
        started.append(sources)
        return sources

    yield start
    for sources in started:
        sources.close()
