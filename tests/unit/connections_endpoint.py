"""A local stand-in for API Gateway's ``@connections`` endpoint (the Management API), for tests and the bench.

``POST /{stage}/@connections/{connectionId}`` records the frame and answers 200. A connection can be told to
answer 410 (the client has gone) or 500 (something broke) instead, and every answer can be delayed to play
network latency. It is a threaded server, as the real endpoint serves posts concurrently, so a fan-out's
posts really overlap. Errors carry ``x-amzn-ErrorType`` as API Gateway's do, so botocore raises the same
exceptions (``GoneException`` for 410) as it would against AWS.

    with ConnectionsEndpoint() as endpoint:
        os.environ["WEBSOCKET_CALLBACK_URL"] = endpoint.callback_url
        endpoint.answer("conn-2", 410)
        ...                                        # code under test posts to conn-1 and conn-2
        endpoint.frames("conn-1")                  # [{"type": "task.created", ...}]

Run as a script, it serves in a process of its own and prints its callback URL (bench/fanout.py does this,
so that the endpoint's work does not compete with the code being measured, as API Gateway's does not).
"""

import argparse
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

__all__ = ["ConnectionsEndpoint"]

_ERROR_TYPES = {410: "GoneException", 403: "ForbiddenException", 500: "InternalServerErrorException"}
_PATH_MARKER = "/@connections/"


class ConnectionsEndpoint:
    """Records what is posted to each connection and answers as each connection is told to."""

    def __init__(self, *, latency_seconds: float = 0.0, stage: str = "test") -> None:
        self.latency_seconds = latency_seconds
        self.stage = stage
        self._lock = threading.Lock()
        self._answers: dict[str, int] = {}
        self._delivered: dict[str, list[Any]] = defaultdict(list)
        self._attempts: dict[str, int] = defaultdict(int)
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="connections-endpoint", daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def callback_url(self) -> str:
        """What the stack puts in WEBSOCKET_CALLBACK_URL: the stage's base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.stage}"

    def answer(self, connection_id: str, status: int) -> None:
        """Answer posts to ``connection_id`` with ``status`` from now on (200 unless told)."""
        with self._lock:
            self._answers[connection_id] = status

    def frames(self, connection_id: str) -> list[Any]:
        """The frames delivered (answered 200) to ``connection_id``, decoded, in arrival order."""
        with self._lock:
            return list(self._delivered.get(connection_id, []))

    def attempts(self, connection_id: str) -> int:
        """How many posts reached ``connection_id``, whatever they were answered."""
        with self._lock:
            return self._attempts.get(connection_id, 0)

    @property
    def delivered_count(self) -> int:
        """Frames delivered to all connections together."""
        with self._lock:
            return sum(len(frames) for frames in self._delivered.values())

    def _receive(self, connection_id: str, body: bytes) -> int:
        with self._lock:
            self._attempts[connection_id] += 1
            status = self._answers.get(connection_id, 200)
            if status == 200:
                self._delivered[connection_id].append(json.loads(body))
            return status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A fan-out opens dozens of connections at once; the default backlog of 5 would make some retry SYNs.
    request_queue_size = 256


def _handler_for(endpoint: ConnectionsEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as API Gateway allows: botocore reuses its pooled connections.
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            prefix = f"/{endpoint.stage}{_PATH_MARKER}"
            if not self.path.startswith(prefix):
                self._reply(404, "NotFoundException")
                return
            status = endpoint._receive(unquote(self.path.removeprefix(prefix)), body)
            if endpoint.latency_seconds:
                time.sleep(endpoint.latency_seconds)
            self._reply(status, _ERROR_TYPES.get(status))

        def _reply(self, status: int, error_type: str | None) -> None:
            payload = b"" if error_type is None else json.dumps({"message": error_type}).encode()
            self.send_response(status)
            if error_type is not None:
                self.send_header("x-amzn-ErrorType", error_type)
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the per-request access log (it would flood test output and the bench)."""

    return Handler


def main() -> None:
    """Serve until killed, in a process of its own (the bench runs it so): prints the callback URL first."""
    parser = argparse.ArgumentParser(description="A local @connections endpoint that answers 200.")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    with ConnectionsEndpoint(latency_seconds=parser.parse_args().latency_ms / 1000) as endpoint:
        print(endpoint.callback_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
