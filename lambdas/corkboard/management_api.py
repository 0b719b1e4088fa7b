"""Posting frames to WebSocket clients through API Gateway's Management API (``POST /@connections/{id}``).

Both the action handler (replies) and the broadcaster (events) send through :class:`ManagementApi`, so a
frame is encoded one way and a departed client is recognised one way: API Gateway answers 410 Gone and
:class:`ConnectionGoneError` is raised. Any other failure propagates as botocore's ``ClientError``.

Example:
    >>> ManagementApi("https://abc123.execute-api.eu-west-1.amazonaws.com/v1").post(
    ...     "L0SM9cOFvHcCIhw=", encode_frame({"type": "pong"}))
"""

import json
import threading
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from corkboard import settings

__all__ = ["ConnectionGoneError", "ManagementApi", "encode_frame"]

_GONE_STATUS = 410
# One quick retry absorbs a blip; a record that still fails is retried whole by the stream.
_TOTAL_ATTEMPTS = 2
_CONNECT_TIMEOUT_SECONDS = 2
_READ_TIMEOUT_SECONDS = 5


class ConnectionGoneError(Exception):
    """The client has disconnected (410 Gone): forget the connection instead of retrying."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            f"Connection {connection_id} is gone (410). Drop it and its subscriptions; do not retry."
        )
        self.connection_id = connection_id


def encode_frame(frame: Mapping[str, Any]) -> bytes:
    """A frame as the compact UTF-8 JSON that goes over the socket."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False).encode()


class ManagementApi:
    """The Management API of one WebSocket stage; the endpoint defaults to ``WEBSOCKET_CALLBACK_URL``.

    The client is built on first use with a connection pool as large as the fan-out's concurrency, so
    concurrent posts never queue for a socket.
    """

    def __init__(self, endpoint_url: str | None = None, client: Any = None) -> None:
        self._endpoint_url = endpoint_url
        self._client = client
        # The first posts of a fan-out arrive together from many threads; only one may build the client.
        self._client_lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> Any:
        config = Config(
            retries={"mode": "standard", "total_max_attempts": _TOTAL_ATTEMPTS},
            max_pool_connections=settings.fanout_concurrency(),
            connect_timeout=_CONNECT_TIMEOUT_SECONDS,
            read_timeout=_READ_TIMEOUT_SECONDS,
        )
        endpoint_url = self._endpoint_url or settings.websocket_callback_url()
        # A private Session sidesteps boto3's default session, whose lazy creation is not thread-safe.
        return boto3.session.Session().client(
            "apigatewaymanagementapi", endpoint_url=endpoint_url, config=config
        )

    def post(self, connection_id: str, payload: bytes) -> None:
        """Send one encoded frame; ConnectionGoneError when the client has left."""
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=payload)
        except ClientError as error:
            if _is_gone(error):
                raise ConnectionGoneError(connection_id) from error
            raise


def _is_gone(error: ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.response.get("Error", {}).get("Code") == "GoneException" or status == _GONE_STATUS
