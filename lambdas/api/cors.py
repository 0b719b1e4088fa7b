"""CORS on the function's own responses, for the browser origins the stack allows.

API Gateway answers preflights (its MOCK ``OPTIONS`` methods) and its own errors (gateway responses) with
CORS headers, but a Lambda proxy response carries only the headers the function sets. So the function
reflects the request's ``Origin`` in ``Access-Control-Allow-Origin`` when that origin is allowed, and
sends no CORS header to any other origin; Powertools' ``CORSConfig`` does the matching. Every response
also says ``Vary: Origin``: its headers depend on the Origin, so no cache may give one origin's answer
to another.

Example::

    app = APIGatewayRestResolver(cors=cors_config(("https://app.example.com",)))
    response = vary_on_origin(app.resolve(event, context))
"""

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig

__all__ = ["EXPOSED_HEADERS", "cors_config", "vary_on_origin"]

# A 503 tells the client when to retry; a page can read only the headers CORS exposes.
EXPOSED_HEADERS = ("Retry-After",)
# Request headers beyond Powertools' defaults (Authorization, Content-Type, X-Amz-*, X-Api-Key).
_ALLOWED_HEADERS = ("Idempotency-Key",)
_VARY = "Vary"
_ORIGIN = "Origin"


def cors_config(allowed_origins: Sequence[str]) -> CORSConfig | None:
    """Powertools' CORS for exactly ``allowed_origins``; None (no CORS at all) when there are none.

    Never Powertools' default, which allows every origin (``*``).
    """
    if not allowed_origins:
        return None
    first, *more = allowed_origins
    return CORSConfig(
        allow_origin=first,
        extra_origins=more,
        allow_headers=list(_ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
    )


def vary_on_origin(response: dict[str, Any]) -> dict[str, Any]:
    """``response``, a REST proxy result (Powertools writes ``multiValueHeaders``), varying on ``Origin``."""
    varies = response.setdefault("multiValueHeaders", {}).setdefault(_VARY, [])
    if _ORIGIN not in varies:
        varies.append(_ORIGIN)
    return response
