"""The warm workers of one function, like Lambda's execution environments for it.

An idle worker serves the next invocation; otherwise a new one starts, up to a cap, and then callers wait
for one to come free. Workers from before a code change (an older generation) are never reused.
"""

import threading
from typing import Any

from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.functions.errors import FunctionHostClosedError
from cdk_local_cloud.functions.log_relay import LogSink
from cdk_local_cloud.functions.messages import InvocationRequest
from cdk_local_cloud.functions.spec import FunctionSpec
from cdk_local_cloud.functions.worker_process import WorkerProcess

__all__ = ["WorkerPool"]


class WorkerPool:
    """Thread-safe: every invocation holds one worker for itself from start to end."""

    def __init__(
        self,
        spec: FunctionSpec,
        statements: list[dict[str, Any]] | None,
        *,
        max_workers: int,
        log_sink: LogSink,
    ) -> None:
        self.spec = spec
        self._statements = statements
        self._max_workers = max_workers
        self._log_sink = log_sink
        self._changed = threading.Condition()
        self._idle: list[WorkerProcess] = []
        # every worker not yet stopped, idle or busy: what the cap counts and close() waits for
        self._workers: set[WorkerProcess] = set()
        self._generation = 0
        self._closed = False

    def invoke(self, request: InvocationRequest) -> InvocationResult:
        worker = self._acquire()
        try:
            outcome = worker.invoke(request)
        except BaseException:
            self._discard(worker)
            raise
        self._release(worker, reusable=outcome.reusable)
        return outcome.result

    def recycle(self) -> None:
        """Retires every worker: idle ones now, busy ones when their invocation ends (the code changed)."""
        with self._changed:
            self._generation += 1
            retired, self._idle = self._idle, []
        for worker in retired:
            self._discard(worker)

    def close(self) -> None:
        """Stops every worker, killing busy ones, and returns once none is left."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = self._workers.difference(idle)
            self._changed.notify_all()
        for worker in busy:
            worker.kill()
        for worker in idle:
            self._discard(worker)
        with self._changed:
            # The invoking threads see their worker die, and stop it themselves on release.
            self._changed.wait_for(lambda: not self._workers)

    def _acquire(self) -> WorkerProcess:
        with self._changed:
            while True:
                if self._closed:
                    raise FunctionHostClosedError(
                        f"Function {self.spec.name} was invoked after the function host closed; "
                        "start a new FunctionHost to run it again."
                    )
                if self._idle:
                    return self._idle.pop()
                if len(self._workers) < self._max_workers:
                    worker = WorkerProcess(
                        self.spec, self._statements, generation=self._generation, log_sink=self._log_sink
                    )
                    self._workers.add(worker)
                    return worker
                self._changed.wait()

    def _release(self, worker: WorkerProcess, *, reusable: bool) -> None:
        with self._changed:
            if reusable and not self._closed and worker.generation == self._generation:
                self._idle.append(worker)
                self._changed.notify()
                return
        self._discard(worker)

    def _discard(self, worker: WorkerProcess) -> None:
        worker.stop()
        with self._changed:
            self._workers.discard(worker)
            self._changed.notify_all()
