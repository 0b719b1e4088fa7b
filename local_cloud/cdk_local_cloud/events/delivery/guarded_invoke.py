"""Runs a function for an event source, turning a host fault into a function error.

To an event source, a host that cannot run the function (reloading, shutting down) is the same as a function
that failed: Lambda retries both, so neither may end the poller thread.
"""

import logging
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionError, FunctionInvoker, InvocationResult

__all__ = ["invoke_guarded"]

logger = logging.getLogger(__name__)


def invoke_guarded(invoker: FunctionInvoker, function: str, event: Any) -> InvocationResult:
    try:
        return invoker.invoke(function, event)
    except Exception as error:
        logger.debug("The function host could not run %s.", function, exc_info=True)
        return InvocationResult(error=FunctionError(f"Emulator.{type(error).__name__}", str(error)))
