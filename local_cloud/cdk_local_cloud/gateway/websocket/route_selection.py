"""Chooses the route of an incoming message with the API's RouteSelectionExpression, as API Gateway does.

Only the body form is served (``$request.body.action``, ``${request.body.a.b}``: a dotted path into a
JSON object), which is what WebSocket APIs use in practice. A message that is not JSON (nested deeper
than the parser goes counts as not JSON), or whose path does not lead to a string naming a route, goes
to ``$default`` if the API has one; without it the client gets the ``Forbidden`` frame. No message is
dropped unanswered.
"""

import json
import logging
import re
from collections.abc import Collection
from typing import Any

from cdk_local_cloud.gateway.websocket.definitions import CONNECT_ROUTE, DEFAULT_ROUTE, DISCONNECT_ROUTE

__all__ = ["RouteSelector"]

logger = logging.getLogger(__name__)

_BODY_PATH = re.compile(r"^\$(?P<open>\{?)request\.body\.(?P<path>[A-Za-z0-9_$.-]+)(?P<close>\}?)$")


class RouteSelector:
    """The route keys of one API and its expression, ready to route message after message."""

    def __init__(self, api_name: str, expression: str, route_keys: Collection[str]) -> None:
        # A message can never reach the lifecycle routes, whatever its action says.
        self._route_keys = frozenset(route_keys) - {CONNECT_ROUTE, DISCONNECT_ROUTE}
        self._path = _body_path(expression)
        if self._path is None:
            logger.warning(
                "WebSocket API %s: route selection expression %r is not emulated (only $request.body.<path> "
                "is); every message goes to $default.",
                api_name,
                expression,
            )

    def route_key(self, body: str) -> str | None:
        """The key of the route for ``body``, or None when not even ``$default`` is there to take it."""
        selected = self._selected_value(body)
        if selected in self._route_keys:
            return selected
        return DEFAULT_ROUTE if DEFAULT_ROUTE in self._route_keys else None

    def _selected_value(self, body: str) -> str | None:
        if self._path is None:
            return None
        try:
            value: Any = json.loads(body)
        except (ValueError, RecursionError):
            return None
        for name in self._path:
            if not isinstance(value, dict) or name not in value:
                return None
            value = value[name]
        return value if isinstance(value, str) else None


def _body_path(expression: str) -> tuple[str, ...] | None:
    match = _BODY_PATH.match(expression.strip())
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    return tuple(match["path"].split("."))
