"""The embedded AWS: moto server in this process, on loopback, reached with fake credentials only.

S3 requests from a browser get the CORS answers of their bucket's rules
(:mod:`cdk_local_cloud.embedded_aws.s3_cors`), and a
copy pinned to its source's ETag is refused when the ETag differs
(:mod:`cdk_local_cloud.embedded_aws.s3_copy_preconditions`). Stream pollers hear of each new stream record
at once (:mod:`cdk_local_cloud.embedded_aws.stream_write_notices`), queue pollers of each new message
(:mod:`cdk_local_cloud.embedded_aws.queue_message_notices`).
"""

import logging
import os
import threading
from types import TracebackType
from typing import Self

import requests
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from cdk_local_cloud.contracts.fake_credentials import FAKE_CREDENTIALS
from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from cdk_local_cloud.embedded_aws.dynamodb_transactions import install_in_place_rollback
from cdk_local_cloud.embedded_aws.queue_message_notices import install_queue_message_notices
from cdk_local_cloud.embedded_aws.s3_copy_preconditions import install_copy_source_preconditions
from cdk_local_cloud.embedded_aws.s3_cors import S3CorsMiddleware
from cdk_local_cloud.embedded_aws.stream_write_notices import install_stream_write_notices

__all__ = ["FAKE_ACCOUNT_ID", "EmbeddedAws"]

# moto's default account. Never a real account: The local cloud talks to loopback only.
FAKE_ACCOUNT_ID = "123456789012"


_RESET_TIMEOUT_SECONDS = 30


class _MotoServerThread:
    """moto server's WSGI application behind :class:`S3CorsMiddleware`, served on a thread.

    What moto's ``ThreadedMotoServer`` does, which takes no middleware.
    """

    def __init__(self, port: int) -> None:
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        app = S3CorsMiddleware(
            DomainDispatcherApplication(create_backend_app),
            endpoint_url=f"http://{LOOPBACK}:{self._port}",
            region="us-east-1",
            credentials=FAKE_CREDENTIALS,
        )
        self._server = make_server(
            LOOPBACK, self._port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class EmbeddedAws:
    """moto server on ``127.0.0.1:port`` (0 picks a free port) for as long as the context lasts."""

    _running = 0
    _count_lock = threading.Lock()

    def __init__(self, port: int = 0) -> None:
        self.port = claim_port(port, purpose="embedded AWS (moto server)", flag="--aws-port")
        self._server = _MotoServerThread(self.port)
        self._saved_environment: dict[str, str | None] = {}

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Starts the server and gives this process the fake identity, so no real credential is ever used."""
        # moto's server logs every request it answers; the local cloud's own log says what matters.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        install_in_place_rollback()
        install_copy_source_preconditions()
        install_stream_write_notices()
        install_queue_message_notices()
        self._server.start()
        with EmbeddedAws._count_lock:
            EmbeddedAws._running += 1
        self._saved_environment = {name: os.environ.get(name) for name in FAKE_CREDENTIALS}
        os.environ.update(FAKE_CREDENTIALS)

    def stop(self) -> None:
        """Stops the server; the last one to stop empties moto, whose state all servers of a process share."""
        with EmbeddedAws._count_lock:
            EmbeddedAws._running -= 1
            if EmbeddedAws._running == 0:
                requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=_RESET_TIMEOUT_SECONDS)
        self._server.stop()
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
