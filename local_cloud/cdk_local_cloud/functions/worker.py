"""A worker process: one Lambda execution environment for one function, serving one invocation at a time.

The host starts it with the "spawn" context and talks to it over a pipe (see ``messages``). It runs on
the local cloud's own interpreter and venv. Layers are not mounted: the venv's packages stand in for them
(and for
the runtime's bundled boto3), so whatever a layer provides must be installed in the local cloud's venv. The
memory size is reported to the handler but not enforced.
"""

import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cdk_local_cloud.functions.aws_url_redirect import install_aws_url_redirect
from cdk_local_cloud.functions.handler_import import Handler, HandlerInitError, import_handler
from cdk_local_cloud.functions.lambda_context import LambdaContext
from cdk_local_cloud.functions.messages import (
    HandlerRaised,
    HandlerReturned,
    InitFailed,
    InvocationRequest,
    WorkerReady,
    WorkerReply,
)
from cdk_local_cloud.functions.runtime_environment import (
    FUNCTION_VERSION,
    function_environment,
    new_log_stream_name,
)
from cdk_local_cloud.functions.spec import FunctionSpec

__all__ = ["function_sys_path", "run_worker"]


def run_worker(
    spec: FunctionSpec, statements: list[dict[str, Any]] | None, channel: Connection, log_pipe: Connection
) -> None:
    """The worker's entry point. ``statements`` is the role's policy to enforce; None runs unchecked."""
    # Its own session: Ctrl-C reaches only the local cloud, and the host can kill what the handler started.
    os.setsid()
    _send_output_to(log_pipe)
    log_stream_name = new_log_stream_name()
    try:
        handler = _initialize(spec, statements, log_stream_name)
    except HandlerInitError as error:
        _log_error(error.error_type, str(error), error.__cause__)
        channel.send(InitFailed(error.error_type, str(error)))
        return
    channel.send(WorkerReady())
    invoker = _Invoker(spec, handler, log_stream_name)
    while True:
        try:
            request: InvocationRequest = channel.recv()
        except EOFError:
            return  # the host is gone: nothing will ever come again
        reply = invoker.run(request)
        sys.stdout.flush()
        sys.stderr.flush()
        channel.send(reply)


def function_sys_path(code_dir: Path, current: Sequence[str]) -> list[str]:
    """Lambda's import path: the code first, then the libraries (interpreter and venv) of ``current``.

    The host's other entries (its working directory, PYTHONPATH, a test runner's pythonpath) are dropped, so
    a module that the code asset lacks fails to import here as it would in Lambda, instead of loading from
    the developer's checkout. The local cloud itself is one of the venv's installed packages, as Lambda's
    runtime client is one of the runtime's: importable, but no path of the repository comes with it.
    """
    prefixes = {
        Path(prefix) for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    }
    libraries = [
        entry for entry in current if entry and any(Path(entry).is_relative_to(prefix) for prefix in prefixes)
    ]
    return [str(code_dir), *libraries]


def _send_output_to(log_pipe: Connection) -> None:
    """Points file descriptors 1 and 2 at the host's log pipe, so even C-level output gets the prefix."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log_pipe.fileno(), 1)
    os.dup2(log_pipe.fileno(), 2)
    log_pipe.close()
    # A pipe makes stdout block-buffered; Lambda shows each line as it is written.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]


def _initialize(spec: FunctionSpec, statements: list[dict[str, Any]] | None, log_stream_name: str) -> Handler:
    """Lambda's init phase: the environment, then the handler module's import (its top level runs once)."""
    environment = function_environment(spec, log_stream_name=log_stream_name, inherited=os.environ)
    os.environ.clear()
    os.environ.update(environment)
    time.tzset()
    install_aws_url_redirect(aws_endpoint_url=spec.aws_endpoint_url, gateway_host=spec.gateway_host)
    if statements is not None:
        _install_policy_check(spec, statements)
    # Lambda's code directory is read-only; cdk.out also stays as the synthesis left it.
    sys.dont_write_bytecode = True
    sys.path[:] = function_sys_path(spec.code_dir, sys.path)
    os.chdir(spec.code_dir)
    return import_handler(spec.handler)


def _install_policy_check(spec: FunctionSpec, statements: list[dict[str, Any]]) -> None:
    # Imported here: the IAM check is optional, and a worker without a policy never loads it.
    from cdk_local_cloud.iam import install_policy_check  # noqa: PLC0415

    install_policy_check(
        statements, principal_arn=spec.assumed_role_arn, account_id=spec.account_id, region=spec.region
    )


class _Invoker:
    """Runs the handler for one request, turning what it does into the reply Lambda would give."""

    def __init__(self, spec: FunctionSpec, handler: Handler, log_stream_name: str) -> None:
        self._spec = spec
        self._handler = handler
        self._log_stream_name = log_stream_name

    def run(self, request: InvocationRequest) -> WorkerReply:
        context = self._context(request)
        try:
            result = self._handler(json.loads(request.event_json), context)
        except Exception as error:
            return _failure(type(error).__name__, str(error), error)
        try:
            return HandlerReturned(json.dumps(result))
        except (TypeError, ValueError) as error:
            return _failure("Runtime.MarshalError", f"Unable to marshal response: {error}", None)

    def _context(self, request: InvocationRequest) -> LambdaContext:
        return LambdaContext(
            function_name=self._spec.name,
            function_version=FUNCTION_VERSION,
            invoked_function_arn=request.invoked_function_arn,
            memory_limit_in_mb=str(self._spec.memory_size),
            aws_request_id=str(uuid.uuid4()),
            log_group_name=self._spec.log_group_name,
            log_stream_name=self._log_stream_name,
            deadline=time.monotonic() + self._spec.timeout,
        )


def _failure(error_type: str, message: str, cause: BaseException | None) -> HandlerRaised:
    _log_error(error_type, message, cause)
    return HandlerRaised(error_type, message)


def _log_error(error_type: str, message: str, cause: BaseException | None) -> None:
    """Logs a failure as Lambda's runtime does: ``[ERROR] Type: message``, then the traceback."""
    print(f"[ERROR] {error_type}: {message}", file=sys.stderr)
    if cause is not None:
        traceback.print_exception(cause, file=sys.stderr)
