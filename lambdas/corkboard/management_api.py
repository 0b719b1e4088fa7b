"""Posting frames to WebSocket clients through API Gateway's Management API (``POST /@connections/{id}``).

Both the action handler (replies) and the broadcaster (events) send through :class:`ManagementApi`, so a
frame is encoded one way and a departed client is recognised one way: API Gateway answers 410 Gone and
:class:`ConnectionGoneError` is raised. A post that gets no answer within the read timeout raises
:class:`PostTimedOutError`. Any other failure propagates as botocore's ``ClientError`` (or
``BotoCoreError`` for a connection that could not be made).

Every post is bounded: 1 s to connect, 1 s for the answer, and at most two attempts. API Gateway answers
a post in tens of milliseconds, and while one post waits, the next event of its board waits for it
(one shard's records are broadcast one after another), so a post is never given long. The retry is
made here rather than by botocore because botocore's retry modes also retry a read timeout, which would
double what a stalled connection costs and might deliver a frame twice. Only a throttled or 5xx answer
is worth a second try: that is API Gateway's trouble, and a short pause often clears it.

Example:
    >>> ManagementApi("https://abc123.execute-api.eu-west-1.amazonaws.com/v1").post(
    ...     "L0SM9cOFvHcCIhw=", encode_frame({"type": "pong"}))
"""

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from corkboard import settings

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "READ_TIMEOUT_SECONDS",
    "ConnectionGoneError",
    "ManagementApi",
    "PostTimedOutError",
    "encode_frame",
]

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
_GONE_STATUS = 410
_THROTTLED_STATUS = 429
_SERVER_ERROR_STATUS = 500
_RETRY_PAUSE_SECONDS = 0.05


class ConnectionGoneError(Exception):
    """The client has disconnected (410 Gone): forget the connection instead of retrying."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(
            f"Connection {connection_id} is gone (410). Drop it and its subscriptions; do not retry."
        )
        self.connection_id = connection_id


class PostTimedOutError(Exception):
    """API Gateway did not answer a post in time: the frame may or may not have reached the client."""

    def __init__(self, connection_id: str, seconds: float) -> None:
        super().__init__(
            f"The post to connection {connection_id} got no answer in {seconds:g} s. The client is not "
            "taking frames (or API Gateway is struggling); the broadcaster closes the connection."
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

    def __init__(
        self,
        endpoint_url: str | None = None,
        client: Any = None,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        self._endpoint_url = endpoint_url
        self._client = client
        self._read_timeout = read_timeout
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
            retries={"mode": "standard", "total_max_attempts": 1},
            max_pool_connections=settings.fanout_concurrency(),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=self._read_timeout,
        )
        endpoint_url = self._endpoint_url or settings.websocket_callback_url()
        # A private Session sidesteps boto3's default session, whose lazy creation is not thread-safe.
        return boto3.session.Session().client(
            "apigatewaymanagementapi", endpoint_url=endpoint_url, config=config
        )

    def post(self, connection_id: str, payload: bytes) -> None:
        """Send one encoded frame: ConnectionGoneError when the client has left, PostTimedOutError when
        API Gateway did not answer; a throttled or 5xx answer is tried once more after a short pause."""
        try:
            self._post_once(connection_id, payload)
        except ClientError as error:
            if not _worth_retrying(error):
                raise
            time.sleep(_RETRY_PAUSE_SECONDS)
            self._post_once(connection_id, payload)

    def close(self, connection_id: str) -> None:
        """Close the connection (``DELETE @connections/{id}``): API Gateway ends the socket and runs
        ``$disconnect``. A connection that has gone already is no error."""
        try:
            self.client.delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if not _is_gone(error):
                raise

    def _post_once(self, connection_id: str, payload: bytes) -> None:
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=payload)
        except ClientError as error:
            if _is_gone(error):
                raise ConnectionGoneError(connection_id) from error
            raise
        except ReadTimeoutError as error:
            raise PostTimedOutError(connection_id, self._read_timeout) from error


def _status(error: ClientError) -> int | None:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _is_gone(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "GoneException" or _status(error) == _GONE_STATUS


def _worth_retrying(error: ClientError) -> bool:
    status = _status(error) or 0
    return status == _THROTTLED_STATUS or status >= _SERVER_ERROR_STATUS
