"""One local cloud for the e2e package: the dev app, synthesized unstaged (tests/conftest.py), served on free
loopback ports.

The cloud is package-scoped, so it stops before other test packages run: moto's state is per process.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings

SignIn = Callable[..., str]


@pytest.fixture(scope="session")
def function_logs() -> list[str]:
    """Every line the functions printed, prefixed with their names, for assertions on what they logged."""
    return []


@pytest.fixture(scope="package")
def local_cloud(unstaged_dev_assembly: Path, function_logs: list[str]) -> Iterator[LocalCloud]:
    settings = LocalCloudSettings(cdk_out=unstaged_dev_assembly, port=0, aws_port=0, reload_on_change=False)
    with LocalCloud(settings, log_sink=function_logs.append) as cloud:
        yield cloud


@pytest.fixture(scope="package")
def rest_url(local_cloud: LocalCloud) -> str:
    (url,) = (api.url for api in local_cloud.apis if api.protocol == "REST")
    return url.rstrip("/")


@pytest.fixture(scope="package")
def websocket_url(local_cloud: LocalCloud) -> str:
    (url,) = (api.url for api in local_cloud.apis if api.protocol == "WebSocket")
    return url


@pytest.fixture(scope="package")
def sign_in(local_cloud: LocalCloud) -> SignIn:
    """``sign_in("alice", groups=["admins"])`` -> a real ID token from the embedded user pool."""
    return local_cloud.id_token
