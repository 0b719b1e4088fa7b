"""The contract between whoever triggers a function (gateway, event sources) and the function host."""

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["FunctionError", "FunctionInvoker", "InvocationResult"]


@dataclass(frozen=True)
class FunctionError:
    """A function that raised, crashed or ran past its template Timeout (``timed_out``)."""

    error_type: str
    message: str
    timed_out: bool = False


@dataclass(frozen=True)
class InvocationResult:
    """What a synchronous invocation returned: the handler's JSON-able payload, or an error."""

    payload: Any = None
    error: FunctionError | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


class FunctionInvoker(Protocol):
    """Runs a deployed function by name or ARN, like Lambda's RequestResponse Invoke. Thread-safe."""

    def invoke(self, function: str, event: Any) -> InvocationResult: ...
