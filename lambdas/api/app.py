"""Corkboard's REST API Lambda. Entry point: ``api.app.handler``.

Each resource's routes live in :mod:`api.routes`; errors become JSON in :mod:`api.error_handlers`. The
resolver is Powertools' ``APIGatewayRestResolver``, used as its documentation shows: one per execution
environment, which Lambda (and the local cloud, one worker process per invocation) gives one request at a
time. It is built on the first request rather than at import, so the settings it reads (the CORS origins)
come from the environment then, and kept for the next ones.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api import error_handlers, request_screen
from api.cors import cors_config, vary_on_origin
from api.routes import attachments, boards, health, me, members, tasks
from corkboard import settings
from corkboard.observability import logger, metrics, tracer

__all__ = ["ROUTERS", "build_app", "current_app", "handler", "respond"]

ROUTERS = (health.router, me.router, boards.router, members.router, tasks.router, attachments.router)


def build_app() -> APIGatewayRestResolver:
    """A resolver with every route, error handler and the stack's CORS (what :mod:`api.openapi` documents).

    Bodies are read by :func:`api.request_screen.parse_json_body` (a size limit, then JSON read safely),
    and a response that breaks its own schema is our bug: 500, not a 4xx blaming the client.
    """
    app = APIGatewayRestResolver(
        cors=cors_config(settings.cors_allow_origins()),
        enable_validation=True,
        response_validation_error_http_code=500,
        json_body_deserializer=request_screen.parse_json_body,
    )
    request_screen.install(app)
    for router in ROUTERS:
        app.include_router(router)
    error_handlers.install(app)
    return app


@cache
def current_app() -> APIGatewayRestResolver:
    """This execution environment's resolver, built on its first request."""
    return build_app()


def respond(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """``app``'s answer to ``event``; with CORS on, every answer, errors included, varies on ``Origin``."""
    response = app.resolve(event, context)
    return vary_on_origin(response) if settings.cors_allow_origins() else response


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda handler API Gateway invokes for every route."""
    return respond(current_app(), event, context)
