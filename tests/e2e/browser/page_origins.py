"""Serves the test page at any origin, e.g. ``http://localhost:5173``, without binding that origin's port.

Chromium uses this server as its HTTP proxy, so a page loaded from ``http://localhost:5173/`` has exactly
that origin (the dev environment's ``corsAllowOrigins``) while the server listens on a free loopback port:
each pytest-xdist worker runs its own, and a developer's own server on 5173 is left alone. Requests to
``127.0.0.1`` (the local cloud and its S3) bypass the proxy, and everything else Chromium tries on its own
(update checks get 404; CONNECT tunnels get the base class's 501) ends here, so nothing leaves the
machine. Hand-written on the standard library's ``http.server`` because what it does is tiny: map a
request path to one of the page's files.
"""

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

__all__ = ["PAGE_DIRECTORY", "PageOrigins"]

PAGE_DIRECTORY = Path(__file__).with_name("page")
_CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_INDEX = "index.html"


class _PageRequestHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        # A proxied request names the whole URL ("GET http://localhost:5173/x.js"); only its path matters.
        name = urlsplit(self.path).path.removeprefix("/") or _INDEX
        file = PAGE_DIRECTORY / name
        if "/" in name or file.suffix not in _CONTENT_TYPES or not file.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = file.read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _CONTENT_TYPES[file.suffix])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: Chromium's background requests would fill the test output."""


class PageOrigins:
    """The page server on ``127.0.0.1`` (a free port), for as long as the context lasts."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _PageRequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="page-origins", daemon=True)

    @property
    def proxy_server(self) -> str:
        """The value of Chromium's ``--proxy-server`` flag."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
