"""The host's handle on one worker process: starts it, runs invocations on it within the timeout, kills it."""

import contextlib
import enum
import json
import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult
from cdk_local_cloud.functions.log_relay import LogRelay, LogSink
from cdk_local_cloud.functions.messages import (
    HandlerRaised,
    HandlerReturned,
    InitFailed,
    InvocationRequest,
    WorkerReady,
    WorkerReply,
)
from cdk_local_cloud.functions.spec import FunctionSpec
from cdk_local_cloud.functions.worker import run_worker

__all__ = ["INIT_TIMEOUT_SECONDS", "WorkerOutcome", "WorkerProcess"]

# Lambda's own limit on the init phase (the handler module's import). Past it, Lambda retries the init
# within the first invocation's Timeout, so a cold start may take both before it is reported as timed out.
INIT_TIMEOUT_SECONDS = 10.0
# "spawn": a fresh interpreter per worker, as a Lambda execution environment, never a fork of the
# local cloud's threads and sockets.
_SPAWN = multiprocessing.get_context("spawn")
_REAP_SECONDS = 5.0


class _Silence(enum.Enum):
    """Why no reply came."""

    TIMED_OUT = enum.auto()
    EXITED = enum.auto()


@dataclass(frozen=True)
class WorkerOutcome:
    """An invocation's result, and whether the worker may serve the next one (it is warm and healthy)."""

    result: InvocationResult
    reusable: bool


class WorkerProcess:
    """One worker: started at once, initialized (handler imported) before its first invocation."""

    def __init__(
        self,
        spec: FunctionSpec,
        statements: list[dict[str, Any]] | None,
        *,
        generation: int,
        log_sink: LogSink,
    ) -> None:
        self.generation = generation
        self._timeout = spec.timeout
        self._init_limit = INIT_TIMEOUT_SECONDS + spec.timeout
        self._channel, child_channel = _SPAWN.Pipe()
        log_reader, log_writer = _SPAWN.Pipe(duplex=False)
        self._process = _SPAWN.Process(
            target=run_worker,
            args=(spec, statements, child_channel, log_writer),
            name=f"function {spec.name}",
            daemon=True,
        )
        self._process.start()
        # The child holds its own copies now; without ours, end of file means the child is gone.
        child_channel.close()
        log_writer.close()
        self._logs = LogRelay(log_reader, prefix=f"[{spec.name}] ", sink=log_sink)
        self._initialized = False
        # close() may kill a busy worker just as its invoking thread stops it
        self._lifecycle = threading.Lock()
        self._stopped = False

    def invoke(self, request: InvocationRequest) -> WorkerOutcome:
        """Runs one invocation; a worker that timed out, crashed or failed its init is not reusable."""
        if not self._initialized:
            init = self._receive(self._init_limit)
            if not isinstance(init, WorkerReady):
                return WorkerOutcome(InvocationResult(error=self._init_error(init)), reusable=False)
            self._initialized = True
        try:
            self._channel.send(request)
        except OSError:
            return WorkerOutcome(InvocationResult(error=self._exit_error()), reusable=False)
        return self._outcome(self._receive(self._timeout))

    def kill(self) -> None:
        """Kills the worker and whatever its handler started (its session); safe from any thread, any time."""
        with self._lifecycle:
            if self._stopped:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)  # type: ignore[arg-type]
            self._process.kill()

    def stop(self) -> None:
        """Kills and reaps the worker and prints the rest of its output; its owner calls this once."""
        self.kill()
        self._process.join()
        with self._lifecycle:
            self._stopped = True
            self._channel.close()
            self._process.close()
        self._logs.drain()

    def _receive(self, timeout: float) -> WorkerReply | _Silence:
        ready = wait([self._channel, self._process.sentinel], timeout)
        if not ready:
            return _Silence.TIMED_OUT
        # A reply written just before the worker exited is still in the pipe: read it first.
        if self._channel not in ready:
            return _Silence.EXITED
        try:
            return self._channel.recv()
        except EOFError:
            return _Silence.EXITED

    def _outcome(self, reply: WorkerReply | _Silence) -> WorkerOutcome:
        match reply:
            case HandlerReturned(payload_json=payload_json):
                return WorkerOutcome(InvocationResult(payload=json.loads(payload_json)), reusable=True)
            case HandlerRaised(error_type=error_type, message=message):
                return WorkerOutcome(
                    InvocationResult(error=FunctionError(error_type, message)), reusable=True
                )
            case _Silence.TIMED_OUT:
                error = _timeout_error(f"Task timed out after {self._timeout:.2f} seconds")
                return WorkerOutcome(InvocationResult(error=error), reusable=False)
            case _:
                return WorkerOutcome(InvocationResult(error=self._exit_error()), reusable=False)

    def _init_error(self, reply: WorkerReply | _Silence) -> FunctionError:
        match reply:
            case InitFailed(error_type=error_type, message=message):
                return FunctionError(error_type, message)
            case _Silence.TIMED_OUT:
                return _timeout_error(f"Init phase timed out after {self._init_limit:.2f} seconds")
            case _:
                return self._exit_error()

    def _exit_error(self) -> FunctionError:
        self._process.join(_REAP_SECONDS)
        return FunctionError(
            "Runtime.ExitError", f"Runtime exited with error: {_exit_description(self._process.exitcode)}"
        )


def _timeout_error(message: str) -> FunctionError:
    return FunctionError("Sandbox.Timedout", message, timed_out=True)


def _exit_description(exitcode: int | None) -> str:
    """Words as Lambda's: ``exit status 3``, ``signal: segmentation fault``."""
    if exitcode is None:
        return "the worker closed its pipe and did not exit"
    if exitcode < 0:
        return f"signal: {(signal.strsignal(-exitcode) or str(-exitcode)).lower()}"
    return f"exit status {exitcode}"
