"""Powertools' Tracer, created on the first traced call instead of at import, patching botocore alone.

Why: creating a Tracer imports the X-Ray SDK and, by default, patches every library it supports that is
installed (requests, sqlite3, httpx, ...), importing each: about 50 ms of CPU after boto3, measured on the
2-core machine, paid by every function's cold-start import before it had a request to trace. The choice
between the three ways out (docs/architecture.md, "Cold starts"):

- Lambda's own segments only (no SDK): free, but a trace would stop at the function and no longer show
  its DynamoDB, S3 and Management API calls, which is what a slow request is diagnosed with.
- Another library (OpenTelemetry through the ADOT layer): a larger import and a layer to keep current.
- Lazy patching (this module): the same Powertools Tracer and the same subsegments (``## handler``,
  ``## service.method``, one per AWS call, the ColdStart and Service annotations), built when the first
  invocation enters its handler. Only botocore is patched: it is the one library these functions send
  requests with (PyJWT's JWKS fetch goes through urllib, which ``patch_all`` did not patch either).

The first invocation of a container then pays for the SDK and botocore's patch (about 20 ms, measured the
same way) instead of the import; later invocations pay nothing more than before. The decorators behave as
Powertools' own, read the same ``POWERTOOLS_TRACER_*`` variables, and wrap the function once, on its first
call.
"""

from collections.abc import Callable, Sequence
from functools import cached_property, wraps
from typing import Any, TypeVar

from aws_lambda_powertools import Tracer

__all__ = ["TRACED_MODULES", "DeferredTracer"]

F = TypeVar("F", bound=Callable[..., Any])

# What the functions call out with; a module added here is traced in every function.
TRACED_MODULES = ("botocore",)


class DeferredTracer:
    """``capture_lambda_handler`` and ``capture_method`` of a Tracer that is created on first use.

    Example:
        >>> tracer = DeferredTracer(service="orders")
        >>> @tracer.capture_method
        ... def charge(order_id: str) -> None: ...
    """

    def __init__(self, *, service: str, patch_modules: Sequence[str] = TRACED_MODULES) -> None:
        self._service = service
        self._patch_modules = list(patch_modules)

    @cached_property
    def tracer(self) -> Tracer:
        """The Powertools Tracer; created, with the X-Ray SDK and its patches, when first asked for."""
        return Tracer(service=self._service, patch_modules=self._patch_modules)

    def capture_lambda_handler(self, handler: F) -> F:
        """Powertools' ``capture_lambda_handler``, applied when ``handler`` is first invoked."""
        return self._on_first_call(handler, lambda tracer: tracer.capture_lambda_handler(handler))

    def capture_method(self, method: F) -> F:
        """Powertools' ``capture_method``, applied when ``method`` is first called."""
        return self._on_first_call(method, lambda tracer: tracer.capture_method(method))

    def _on_first_call(self, function: F, trace: Callable[[Tracer], Callable[..., Any]]) -> F:
        traced: Callable[..., Any] | None = None

        @wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = trace(self.tracer)
            return traced(*args, **kwargs)

        return call  # type: ignore[return-value]
