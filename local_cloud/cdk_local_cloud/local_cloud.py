"""The whole local cloud in one object: embedded AWS, deployed templates, functions, gateway, event sources.

The CLI, the end-to-end tests and the benchmarks all start it the same way, so what the tests prove is
what `cdk-local serve` serves. Parts start in dependency order and stop in reverse, and closing stops every
thread and process that starting began, even when starting failed half-way.
"""

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Self

from cdk_local_cloud.assembly import deploy
from cdk_local_cloud.contracts.api_endpoints import LocalApi, local_apis
from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from cdk_local_cloud.embedded_aws.id_tokens import deployment_pool_and_client, issue_id_token
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.server import EmbeddedAws
from cdk_local_cloud.events import EventSources
from cdk_local_cloud.functions import FunctionHost
from cdk_local_cloud.gateway.server import create_gateway_app, run_gateway
from cdk_local_cloud.iam import role_statements

__all__ = ["LocalCloud", "LocalCloudSettings"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalCloudSettings:
    """Where the cloud assembly is and where to listen; port 0 picks a free port (tests, benchmarks)."""

    cdk_out: Path
    port: int = 4510
    aws_port: int = 4511
    region: str = "us-east-1"
    reload_on_change: bool = True
    enforce_iam: bool = True


class LocalCloud:
    """Serves a synthesized CDK app on loopback until closed. Use it as a context manager."""

    def __init__(self, settings: LocalCloudSettings, *, log_sink: Callable[[str], None] = print) -> None:
        self.settings = settings
        self._log_sink = log_sink
        self._resources = ExitStack()
        self._deployment: Deployment | None = None
        self._gateway_host = ""
        self.functions: FunctionHost | None = None

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            raise RuntimeError("The local cloud is not started: call start() or use it as a context manager.")
        return self._deployment

    @property
    def gateway_host(self) -> str:
        """``127.0.0.1:PORT``, where every API is served."""
        return self._gateway_host

    @property
    def apis(self) -> list[LocalApi]:
        return list(local_apis(self.deployment, self._gateway_host))

    @cached_property
    def aws(self) -> MotoClients:
        """boto3 clients on the embedded AWS, with the fake credentials."""
        return MotoClients(self.deployment.aws_endpoint_url, self.deployment.region)

    def id_token(self, user: str, groups: Sequence[str] = ()) -> str:
        """A fresh ID token from the deployment's user pool, creating ``user`` if new (tests, benchmarks)."""
        pool_id, client_id = deployment_pool_and_client(self.deployment)
        cognito = self.aws.client("cognito-idp")
        return issue_id_token(
            cognito, user_pool_id=pool_id, client_id=client_id, user=user, groups=groups
        ).id_token

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        settings = self.settings
        gateway_port = claim_port(settings.port, purpose="API gateway", flag="--port")
        self._gateway_host = f"{LOOPBACK}:{gateway_port}"
        embedded_aws = self._resources.enter_context(EmbeddedAws(settings.aws_port))
        _logger.info("local cloud: embedded AWS (moto server) on %s", embedded_aws.endpoint_url)
        deployment = deploy(settings.cdk_out, endpoint_url=embedded_aws.endpoint_url, region=settings.region)
        self._deployment = deployment
        self.functions = self._resources.enter_context(
            FunctionHost(
                deployment,
                gateway_host=self._gateway_host,
                statements_for=(lambda role_arn: role_statements(deployment, role_arn))
                if settings.enforce_iam
                else None,
                reload_on_change=settings.reload_on_change,
                log_sink=self._log_sink,
            )
        )
        gateway = run_gateway(
            create_gateway_app(deployment, self.functions, host=self._gateway_host), gateway_port
        )
        self._resources.callback(gateway.stop)
        event_sources = EventSources(deployment, self.functions)
        event_sources.start()
        self._resources.callback(event_sources.close)

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
