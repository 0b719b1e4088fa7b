"""What the host and a worker process send each other over their pipe (pickled, so plain values only).

Events and results cross as JSON text, so the handler gets a fresh decoded event and the caller a decoded
result, exactly as Lambda serializes both; a result that JSON cannot hold fails in the worker, as in Lambda.
"""

from dataclasses import dataclass

__all__ = [
    "HandlerRaised",
    "HandlerReturned",
    "InitFailed",
    "InvocationRequest",
    "WorkerReady",
    "WorkerReply",
]


@dataclass(frozen=True)
class InvocationRequest:
    """Host to worker: run the handler once. ``invoked_function_arn`` keeps the caller's qualifier."""

    event_json: str
    invoked_function_arn: str


@dataclass(frozen=True)
class WorkerReady:
    """Worker to host: the init phase (environment, handler import) succeeded."""


@dataclass(frozen=True)
class InitFailed:
    """Worker to host, then the worker exits: the handler could not be loaded (Lambda's Runtime.* errors)."""

    error_type: str
    message: str


@dataclass(frozen=True)
class HandlerReturned:
    """Worker to host: the handler's result as JSON text."""

    payload_json: str


@dataclass(frozen=True)
class HandlerRaised:
    """Worker to host: the handler raised, or returned what JSON cannot hold; the worker stays warm."""

    error_type: str
    message: str


WorkerReply = WorkerReady | InitFailed | HandlerReturned | HandlerRaised
