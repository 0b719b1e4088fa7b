"""A local stand-in for API Gateway's ``@connections`` endpoint (the Management API), for tests and the bench.

``POST /{stage}/@connections/{connectionId}`` records the frame and answers 200. A connection can be told to
answer 410 (the client has gone), 429 (``LimitExceededException``: its buffer is full) or 500 (something
broke) instead, or to stall: its posts are never answered, like those to a client that stopped reading
when nothing bounds the wait. Every answer can be delayed to play network latency.
``DELETE /{stage}/@connections/{connectionId}`` closes the connection: later posts to it answer 410. It is a
threaded server, as the real endpoint serves posts concurrently, so a fan-out's posts really overlap.
Errors carry ``x-amzn-ErrorType`` as API Gateway's do, so botocore raises the same exceptions
(``GoneException`` for 410) as it would against AWS.

    with ConnectionsEndpoint() as endpoint:
        os.environ["WEBSOCKET_CALLBACK_URL"] = endpoint.callback_url
        endpoint.answer("conn-2", 410)
        ...                                        # code under test posts to conn-1 and conn-2
        endpoint.frames("conn-1")                  # [{"type": "task.created", ...}]

Run as a script, it serves in a process of its own and prints its callback URL (the benches do this, so
that the endpoint's work does not compete with the code being measured, as API Gateway's does not). Then
``GET /{stage}/@report`` answers what it saw: every connection's frames with their arrival times, the
attempts, and the connections closed.
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

__all__ = ["SHUTDOWN_POLL_SECONDS", "ConnectionsEndpoint"]

# How often a test server's loop checks whether it was told to stop: the socketserver default (0.5 s) made
# every test that starts one wait half a second in teardown.
SHUTDOWN_POLL_SECONDS = 0.01

_ERROR_TYPES = {
    410: "GoneException",
    403: "ForbiddenException",
    # What API Gateway answers when a client's outgoing buffer is full because it stopped reading.
    429: "LimitExceededException",
    500: "InternalServerErrorException",
}
_PATH_MARKER = "/@connections/"


class ConnectionsEndpoint:
    """Records what is posted to each connection and answers as each connection is told to."""

    def __init__(self, *, latency_seconds: float = 0.0, stage: str = "test") -> None:
        self.latency_seconds = latency_seconds
        self.stage = stage
        self._lock = threading.Lock()
        self._answers: dict[str, int] = {}
        self._delivered: dict[str, list[Any]] = defaultdict(list)
        self._arrivals: dict[str, list[float]] = defaultdict(list)
        self._attempts: dict[str, int] = defaultdict(int)
        self._stalled: set[str] = set()
        self._closed: list[str] = []
        # Set when the endpoint stops, so that stalled posts end and the server can shut down.
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="connections-endpoint",
            daemon=True,
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopping.set()
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

    def stall(self, connection_id: str) -> None:
        """Never answer posts to ``connection_id`` from now on (until the endpoint stops)."""
        with self._lock:
            self._stalled.add(connection_id)

    def closed(self) -> list[str]:
        """The connections closed with DELETE, in order."""
        with self._lock:
            return list(self._closed)

    def arrivals(self, connection_id: str) -> list[float]:
        """When each delivered frame arrived (``time.time()``), in the order of :meth:`frames`."""
        with self._lock:
            return list(self._arrivals.get(connection_id, []))

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

    def report(self) -> dict[str, Any]:
        """Everything seen so far, JSON-ready: what ``GET /{stage}/@report`` answers."""
        with self._lock:
            return {
                "frames": {
                    connection_id: [
                        {"frame": frame, "at": at}
                        for frame, at in zip(frames, self._arrivals[connection_id], strict=True)
                    ]
                    for connection_id, frames in self._delivered.items()
                },
                "attempts": dict(self._attempts),
                "closed": list(self._closed),
            }

    def _receive(self, connection_id: str, body: bytes) -> int | None:
        """The status to answer a post with; None to leave it unanswered."""
        with self._lock:
            self._attempts[connection_id] += 1
            if connection_id in self._stalled:
                return None
            status = self._answers.get(connection_id, 200)
            if status == 200:
                self._delivered[connection_id].append(json.loads(body))
                self._arrivals[connection_id].append(time.time())
            return status

    def _close(self, connection_id: str) -> None:
        with self._lock:
            self._closed.append(connection_id)
            self._stalled.discard(connection_id)
            self._answers[connection_id] = 410


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
            connection_id = self._connection_id()
            if connection_id is None:
                return
            status = endpoint._receive(connection_id, body)
            if status is None:
                endpoint._stopping.wait()
                return
            if endpoint.latency_seconds:
                time.sleep(endpoint.latency_seconds)
            self._reply(status, _ERROR_TYPES.get(status))

        def do_GET(self) -> None:
            if self.path != f"/{endpoint.stage}/@report":
                self._reply(404, "NotFoundException")
                return
            payload = json.dumps(endpoint.report()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_DELETE(self) -> None:
            connection_id = self._connection_id()
            if connection_id is not None:
                endpoint._close(connection_id)
                self._reply(204, None)

        def _connection_id(self) -> str | None:
            prefix = f"/{endpoint.stage}{_PATH_MARKER}"
            if not self.path.startswith(prefix):
                self._reply(404, "NotFoundException")
                return None
            return unquote(self.path.removeprefix(prefix))

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
    """Serve until killed, in a process of its own (the benches run it so): prints the callback URL first."""
    parser = argparse.ArgumentParser(description="A local @connections endpoint that answers 200.")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    parser.add_argument("--stall", action="append", default=[], metavar="ID", help="never answer ID's posts")
    parser.add_argument(
        "--answer", action="append", default=[], metavar="ID=STATUS", help="answer ID's posts with STATUS"
    )
    args = parser.parse_args()
    with ConnectionsEndpoint(latency_seconds=args.latency_ms / 1000) as endpoint:
        for connection_id in args.stall:
            endpoint.stall(connection_id)
        for answer in args.answer:
            connection_id, status = answer.rsplit("=", 1)
            endpoint.answer(connection_id, int(status))
        print(endpoint.callback_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
