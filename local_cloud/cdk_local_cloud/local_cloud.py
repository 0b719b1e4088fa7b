"""The whole local cloud in one object: embedded AWS, deployed templates, functions, gateway, event sources.

The CLI, the end-to-end tests and the benchmarks all start it the same way, so what the tests prove is
what `cdk-local serve` serves. Parts start in dependency order and stop in reverse, and closing stops every
thread and process that starting began, even when starting failed half-way.

With a state directory, the embedded AWS starts from what the last run left there and, once everything
else has stopped, saves what it holds for the next (:mod:`cdk_local_cloud.embedded_aws.saved_state`). A
start that fails leaves the saved state as it was.
"""

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Self

from cdk_local_cloud.assembly import ProvisioningError, deploy
from cdk_local_cloud.contracts.api_endpoints import LocalApi, local_apis
from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from cdk_local_cloud.embedded_aws.backend_snapshot import restore_backends
from cdk_local_cloud.embedded_aws.id_tokens import deployment_pool_and_client, issue_id_token
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.saved_state import SavedState, SavedStateError, StateDirectory
from cdk_local_cloud.embedded_aws.server import EmbeddedAws
from cdk_local_cloud.events import EventSources
from cdk_local_cloud.functions import FunctionHost
from cdk_local_cloud.gateway.server import create_gateway_app, run_gateway
from cdk_local_cloud.iam import role_statements

__all__ = ["LocalCloud", "LocalCloudSettings"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalCloudSettings:
    """Where the cloud assembly is and where to listen; port 0 picks a free port (tests, benchmarks).

    ``state_dir`` keeps the embedded AWS's data across restarts (None: every start is empty);
    ``reset_state`` starts empty and keeps what this run creates; ``reset_command`` is what a message about
    unusable saved state tells the developer to run.
    """

    cdk_out: Path
    port: int = 4510
    aws_port: int = 4511
    region: str = "us-east-1"
    reload_on_change: bool = True
    enforce_iam: bool = True
    state_dir: Path | None = None
    reset_state: bool = False
    reset_command: str = "cdk-local serve --reset"


class LocalCloud:
    """Serves a synthesized CDK app on loopback until closed. Use it as a context manager."""

    def __init__(self, settings: LocalCloudSettings, *, log_sink: Callable[[str], None] = print) -> None:
        self.settings = settings
        self._log_sink = log_sink
        self._resources = ExitStack()
        self._deployment: Deployment | None = None
        self._gateway_host = ""
        self._serving = False
        self._state = (
            StateDirectory(settings.state_dir, reset_command=settings.reset_command)
            if settings.state_dir is not None
            else None
        )
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
        saved = self._restored_state()
        # Registered here, so that it runs once every later part has stopped and before moto does.
        self._resources.callback(self._save_state)
        deployment = self._deploy(embedded_aws.endpoint_url, saved)
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
        self._serving = True

    def _restored_state(self) -> SavedState | None:
        """Puts the saved state into the embedded AWS; None when it starts empty."""
        state = self._state
        if state is None:
            return None
        if self.settings.reset_state:
            state.clear()
            _logger.info("local cloud: starting empty (reset); the state will be saved in %s", state.path)
            return None
        saved = state.load()
        if saved is None:
            _logger.info("local cloud: no saved state yet; the state will be saved in %s", state.path)
            return None
        restore_backends(saved.backends)
        _logger.info("local cloud: embedded AWS restored from %s (saved %s)", state.file, saved.saved_at)
        return saved

    def _deploy(self, endpoint_url: str, saved: SavedState | None) -> Deployment:
        settings = self.settings
        if saved is None or self._state is None:
            return deploy(settings.cdk_out, endpoint_url=endpoint_url, region=settings.region)
        try:
            return deploy(
                settings.cdk_out,
                endpoint_url=endpoint_url,
                region=settings.region,
                previous=saved.resources_at(endpoint_url),
            )
        except ProvisioningError as error:
            raise SavedStateError(
                f"{error} The embedded AWS holds the state saved in {self._state.path} by an earlier "
                f"run, which cannot take this change: start empty with `{self._state.reset_command}` "
                "(this deletes the saved state)."
            ) from None

    def _save_state(self) -> None:
        if self._state is None or not self._serving or self._deployment is None:
            return
        try:
            self._state.save(self._deployment.resources, self._deployment.aws_endpoint_url)
        except Exception as error:  # pickling moto's objects can fail in many ways; none may stop the stop
            _logger.warning(
                "local cloud: the embedded AWS's state could not be saved in %s (%s: %s); the next start "
                "begins from the state saved before.",
                self._state.path,
                type(error).__name__,
                error,
            )
            return
        _logger.info("local cloud: state saved in %s", self._state.path)

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
