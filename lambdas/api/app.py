"""Corkboard's REST API Lambda. Entry point: ``api.app.handler``.

Each resource's routes live in :mod:`api.routes`; errors become JSON in :mod:`api.error_handlers`.
The resolver is built on a thread's first request (Lambda has one thread, so that is once per
container), which keeps importing this module cheap and lets concurrent callers in tests or the local
emulator each use their own (see :mod:`api.resolver`).
"""

import threading
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api import error_handlers
from api.cors import cors_config
from api.resolver import ThreadSafeRestResolver
from api.routes import attachments, boards, health, me, members, tasks
from corkboard import settings
from corkboard.observability import logger, metrics, tracer

__all__ = ["ROUTERS", "build_app", "current_app", "handler"]

ROUTERS = (health.router, me.router, boards.router, members.router, tasks.router, attachments.router)

_per_thread = threading.local()


def build_app() -> ThreadSafeRestResolver:
    """A resolver with every route, error handler and the stack's CORS (read by tools/openapi_document.py)."""
    app = ThreadSafeRestResolver(cors=cors_config(settings.cors_allow_origins()))
    for router in ROUTERS:
        app.include_router(router)
    error_handlers.install(app)
    return app


def current_app() -> ThreadSafeRestResolver:
    """This thread's resolver, built on first use."""
    app: ThreadSafeRestResolver | None = getattr(_per_thread, "app", None)
    if app is None:
        app = _per_thread.app = build_app()
    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda handler API Gateway invokes for every route."""
    return current_app().resolve(event, context)
