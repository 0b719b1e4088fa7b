"""The gateway's access log: aiohttp's own line, with the values of credential query parameters hidden.

A WebSocket client sends its token in the query string (``wss://…?token=<ID token>``), and aiohttp's log
line shows the request line, so every connection printed a live token to the terminal and to whatever
collects it. Hidden are the values of the query parameters that an authorizer reads (registered with
:func:`hide_query_parameters` by the APIs' setup) and of common credential names
(:data:`COMMON_CREDENTIAL_PARAMETERS`), matched without regard to case; the rest of the line is exactly
aiohttp's. Written here because aiohttp's format has no way to edit the request line.

Example:
    >>> web.AppRunner(app, access_log_class=RedactingAccessLogger)
    # 127.0.0.1 [...] "GET /a1b2/v1?token=REDACTED&lang=en HTTP/1.1" 101 0 "-" "Python/3.13 websockets/15"
"""

from typing import Any

from aiohttp import web
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest

__all__ = ["COMMON_CREDENTIAL_PARAMETERS", "REDACTED", "RedactingAccessLogger", "hide_query_parameters"]

REDACTED = "REDACTED"
COMMON_CREDENTIAL_PARAMETERS = frozenset(
    {
        "token",
        "access_token",
        "id_token",
        "api_key",
        "apikey",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-credential",
    }
)
_HIDDEN_PARAMETERS = web.AppKey("hidden_query_parameters", set[str])


def hide_query_parameters(app: web.Application, names: set[str]) -> None:
    """Hide the values of the query parameters ``names`` (an authorizer's identity sources) in the log."""
    app.setdefault(_HIDDEN_PARAMETERS, set()).update(name.lower() for name in names)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's :class:`AccessLogger`, logging each request with its credential values replaced."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log as aiohttp does, but from a view of ``request`` whose query hides credentials."""
        super().log(_RedactedRequest(request), response, time)  # type: ignore[arg-type]


class _RedactedRequest:
    """``request`` as the access log reads it, with ``path_qs`` redacted and everything else unchanged."""

    def __init__(self, request: BaseRequest) -> None:
        self._request = request

    @property
    def path_qs(self) -> str:
        url = self._request.rel_url
        app = getattr(self._request, "app", None)
        hidden = COMMON_CREDENTIAL_PARAMETERS | (
            app.get(_HIDDEN_PARAMETERS, set()) if app is not None else set()
        )
        present = {name for name in url.query if name.lower() in hidden}
        if not present:
            return self._request.path_qs
        return str(url.update_query(dict.fromkeys(present, REDACTED)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)
