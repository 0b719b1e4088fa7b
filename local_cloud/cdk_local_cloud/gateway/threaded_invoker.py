"""Runs the synchronous :class:`FunctionInvoker` from the event loop, on threads of the gateway's own.

An invocation blocks its thread until the function's worker process answers, which may take seconds.
A private pool keeps those waits off the loop (which must keep serving sockets and the ``@connections``
posts that the very same functions make) and off asyncio's small default pool, which other code shares.
The REST gateway uses it too; each API family builds its own instance.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionError, FunctionInvoker, InvocationResult

__all__ = ["ThreadedInvoker"]

logger = logging.getLogger(__name__)

# Each waiting thread holds one function worker busy, so this is also the cap on concurrent invocations.
_DEFAULT_MAX_CONCURRENT_INVOCATIONS = 64


class ThreadedInvoker:
    """An awaitable front for a :class:`FunctionInvoker`; call :meth:`close` when the gateway stops."""

    def __init__(
        self, invoker: FunctionInvoker, max_concurrent: int = _DEFAULT_MAX_CONCURRENT_INVOCATIONS
    ) -> None:
        self._invoker = invoker
        self._threads = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="gateway-invoke")

    async def invoke(self, function: str, event: Any) -> InvocationResult:
        """Invoke ``function`` with ``event`` like Lambda's RequestResponse, without blocking the loop.

        An invoker that raises (a host fault, not the function's) is logged and reported as a failed
        invocation, so one fault costs the client an error answer, never the socket or the gateway.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._threads, self._invoker.invoke, function, event)
        except Exception as error:
            logger.exception("Invoking %s failed in the function host itself.", function)
            return InvocationResult(error=FunctionError(type(error).__name__, str(error)))

    def close(self) -> None:
        """Drop queued invocations; those already running finish on their threads."""
        self._threads.shutdown(wait=False, cancel_futures=True)
