"""Runs a deployment's functions as Lambda does, each invocation in a worker process: the FunctionInvoker."""

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.functions.code_watcher import CodeWatcher
from cdk_local_cloud.functions.errors import FunctionNotFoundError, UnsupportedFunctionError
from cdk_local_cloud.functions.log_relay import LogSink, print_line
from cdk_local_cloud.functions.messages import InvocationRequest
from cdk_local_cloud.functions.spec import LAMBDA_FUNCTION_TYPE, FunctionSpec
from cdk_local_cloud.functions.worker_pool import WorkerPool

__all__ = ["FunctionHost", "StatementsFor"]

_logger = logging.getLogger(__name__)

# role ARN -> the IAM policy statements that the role's functions are held to
StatementsFor = Callable[[str], list[dict[str, Any]]]

# What Lambda's Invoke accepts: name, partial ARN or ARN, each with an optional version or alias qualifier.
_FUNCTION_REFERENCE = re.compile(
    r"(?:arn:[^:]+:lambda:[^:]*:\d{12}:function:|\d{12}:function:)?(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?"
)


class FunctionHost:
    """Every Python function of the deployment, with a pool of warm worker processes each.

    ``statements_for`` gives each function's role policy, which its AWS calls are then checked against;
    without it, calls go unchecked. Each line a worker prints goes to ``log_sink`` as ``[function] line``.
    With ``reload_on_change``, an edit in a function's code directory retires its workers, so the next
    invocation imports the new code. Close the host (or use it as a context manager): no worker outlives it.
    """

    def __init__(
        self,
        deployment: Deployment,
        *,
        gateway_host: str,
        statements_for: StatementsFor | None = None,
        max_workers_per_function: int = 10,
        reload_on_change: bool = True,
        log_sink: LogSink = print_line,
    ) -> None:
        self._pools: dict[str, WorkerPool] = {}
        self._unsupported: dict[str, str] = {}
        providers = _custom_resource_providers(deployment)
        for resource in deployment.of_type(LAMBDA_FUNCTION_TYPE):
            if resource.arn in providers:
                _logger.debug(
                    "local cloud: %s only serves custom resources at deploy time; not run",
                    resource.physical_id,
                )
                continue
            try:
                spec = FunctionSpec.from_resource(resource, deployment, gateway_host=gateway_host)
            except UnsupportedFunctionError as error:
                _logger.warning("%s", error)
                self._unsupported[resource.physical_id] = str(error)
                continue
            statements = None if statements_for is None else statements_for(spec.role_arn)
            self._pools[spec.name] = WorkerPool(
                spec, statements, max_workers=max_workers_per_function, log_sink=log_sink
            )
        code_dirs = {pool.spec.code_dir for pool in self._pools.values()}
        self._watcher = CodeWatcher(code_dirs, self._reload) if reload_on_change and code_dirs else None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def invoke(self, function: str, event: Any) -> InvocationResult:
        """Runs ``function`` (name or ARN, maybe qualified) on ``event``, a JSON-able value; thread-safe."""
        match = _FUNCTION_REFERENCE.fullmatch(function)
        name, qualifier = (match["name"], match["qualifier"]) if match else (function, None)
        if name in self._unsupported:
            raise UnsupportedFunctionError(self._unsupported[name])
        pool = self._pools.get(name)
        if pool is None:
            raise FunctionNotFoundError(
                f"No function {function} in the deployment; invoke one of: {', '.join(sorted(self._pools))}."
            )
        invoked_arn = pool.spec.arn if qualifier is None else f"{pool.spec.arn}:{qualifier}"
        return pool.invoke(InvocationRequest(json.dumps(event), invoked_arn))

    def close(self) -> None:
        """Stops the code watcher and every worker, killing those still busy."""
        if self._watcher is not None:
            self._watcher.close()
        for pool in self._pools.values():
            pool.close()

    def _reload(self, changed_dirs: set[Path]) -> None:
        for pool in self._pools.values():
            if pool.spec.code_dir.resolve() in changed_dirs:
                _logger.info(
                    "Function %s: its code changed; the next invocation runs the new code.", pool.spec.name
                )
                pool.recycle()


def _custom_resource_providers(deployment: Deployment) -> set[str]:
    """ARNs of functions that back custom resources: they act at deploy time, which the local cloud models."""
    return {
        str(resource.properties.get("ServiceToken"))
        for resource in deployment.resources
        if resource.type.startswith("Custom::") or resource.type == "AWS::CloudFormation::CustomResource"
    }
