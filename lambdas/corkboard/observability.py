"""Logging, tracing and metrics, configured once and imported by every Corkboard module.

Powertools reads its settings from environment variables (``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``, ``POWERTOOLS_TRACE_DISABLED``...); the defaults
below apply only when the stack did not set them, so a function runs with sensible names anywhere.
``tracer`` is Powertools' Tracer created on the first traced call, so importing costs no X-Ray SDK
(:mod:`corkboard.deferred_tracer` says why and what the first invocation pays instead).

Example:
    >>> from corkboard.observability import logger, metrics, tracer
    >>> logger.info("board created", extra={"board_id": "01J..."})
"""

import os

from aws_lambda_powertools import Logger, Metrics

from corkboard.deferred_tracer import DeferredTracer

__all__ = ["DEFAULT_METRICS_NAMESPACE", "DEFAULT_SERVICE_NAME", "logger", "metrics", "tracer"]

DEFAULT_SERVICE_NAME = "corkboard"
DEFAULT_METRICS_NAMESPACE = "Corkboard"

_service = os.environ.get("POWERTOOLS_SERVICE_NAME", DEFAULT_SERVICE_NAME)

logger = Logger(service=_service)
tracer = DeferredTracer(service=_service)
metrics = Metrics(
    service=_service,
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE),
)
