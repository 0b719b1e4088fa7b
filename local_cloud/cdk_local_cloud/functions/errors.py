"""Why the function host could not run an invocation at all (as opposed to a function that failed)."""

__all__ = [
    "FunctionHostClosedError",
    "FunctionHostError",
    "FunctionNotFoundError",
    "UnsupportedFunctionError",
]


class FunctionHostError(Exception):
    """Base of the host's own errors; a function's own failure is an InvocationResult error instead."""


class UnsupportedFunctionError(FunctionHostError):
    """The template defines a function that the local cloud cannot run locally (another runtime, inline
    code)."""


class FunctionNotFoundError(FunctionHostError, LookupError):
    """An invocation named a function, ARN or qualified ARN that the deployment does not hold."""


class FunctionHostClosedError(FunctionHostError):
    """An invocation arrived after ``FunctionHost.close()``."""
