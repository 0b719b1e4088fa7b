"""One local cloud for the e2e package: the dev app, synthesized unstaged, served on free loopback ports.

The cloud is package-scoped, so it stops before other test packages run: moto's state is per process.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aws_cdk import App

from emulator.id_tokens import deployment_pool_and_client, issue_id_token
from emulator.local_cloud import LocalCloud, LocalCloudSettings
from emulator.moto_clients import MotoClients
from stacks.config import load_environment
from stacks.corkboard_app import add_corkboard
from tests.infra.conftest import cdk_context

SignIn = Callable[..., str]


@pytest.fixture(scope="session")
def unstaged_dev_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make local` synthesizes: assets point at the source tree instead of copies (--no-staging)."""
    outdir = tmp_path_factory.mktemp("cdk.local.out")
    context = cdk_context()
    app = App(outdir=str(outdir), context={**context, "env": "dev", "aws:cdk:disable-asset-staging": True})
    add_corkboard(app, load_environment(context["environments"], "dev"))
    app.synth()
    return outdir


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
    deployment = local_cloud.deployment
    cognito = MotoClients(deployment.aws_endpoint_url, deployment.region).client("cognito-idp")
    pool_id, client_id = deployment_pool_and_client(deployment)

    def token_for(user: str, groups: tuple[str, ...] = ()) -> str:
        return issue_id_token(
            cognito, user_pool_id=pool_id, client_id=client_id, user=user, groups=groups
        ).id_token

    return token_for
