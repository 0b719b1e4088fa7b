"""The ``@connections`` Management API of each WebSocket stage: post a frame, read a connection, delete it.

Served at ``http://HOST/{apiId}/{stage}/@connections/{connectionId}``, so boto3's
``apigatewaymanagementapi`` client works with ``endpoint_url=http://HOST/{apiId}/{stage}``. Errors
carry ``x-amzn-ErrorType`` as AWS's do, so botocore raises the same modelled exceptions: a connection
that is not open answers 410 and ``GoneException``, a frame over 128 KB answers 413 and
``PayloadTooLargeException``.

There is no SigV4 check here, on purpose: The local cloud enforces who may call this on the caller's side,
where the IAM hook in each function's worker checks ``execute-api:ManageConnections`` on the
connection's ARN against the function's role. Any other local client (a test, a script) is let in.
"""

import uuid
from datetime import UTC, datetime

from aiohttp import WSCloseCode, web

from cdk_local_cloud.gateway.websocket.connections import (
    MAX_MESSAGE_BYTES,
    ConnectionClosedError,
    ConnectionRegistry,
    LiveConnection,
)
from cdk_local_cloud.gateway.websocket.definitions import WebSocketApi

__all__ = ["ConnectionsApi"]


class ConnectionsApi:
    """The ``@connections`` handlers of one WebSocket API, over the gateway's open connections."""

    def __init__(self, api: WebSocketApi, registry: ConnectionRegistry) -> None:
        self._api = api
        self._registry = registry

    def add_routes(self, app: web.Application) -> None:
        path = f"/{self._api.api_id}/{{stage}}/@connections/{{connection_id}}"
        app.router.add_post(path, self.post)
        app.router.add_get(path, self.get)
        app.router.add_delete(path, self.delete)

    async def post(self, request: web.Request) -> web.Response:
        """PostToConnection: the body is the frame, text if it is UTF-8, else binary."""
        data = await request.read()
        if len(data) > MAX_MESSAGE_BYTES:
            return _error(413, "PayloadTooLargeException", f"Message exceeds {MAX_MESSAGE_BYTES} bytes")
        connection = self._connection(request)
        if connection is None:
            return _gone()
        try:
            await connection.send(data)
        except ConnectionClosedError:
            return _gone()
        return _answer(web.Response(status=200))

    async def get(self, request: web.Request) -> web.Response:
        """GetConnection: when it opened, when the client last sent, and who it is."""
        connection = self._connection(request)
        if connection is None:
            return _gone()
        body = {
            "connectedAt": _iso8601(connection.context.connected_at),
            "identity": {
                "sourceIp": connection.context.source_ip,
                "userAgent": connection.context.user_agent,
            },
            "lastActiveAt": _iso8601(connection.last_active_at),
        }
        return _answer(web.json_response(body))

    async def delete(self, request: web.Request) -> web.Response:
        """DeleteConnection: closes the socket (1000), which runs ``$disconnect``."""
        connection = self._connection(request)
        if connection is None:
            return _gone()
        # Out of the registry before the close handshake, so that no post slips in during it.
        self._registry.discard(connection)
        await connection.close(WSCloseCode.OK)
        return _answer(web.Response(status=204))

    def _connection(self, request: web.Request) -> LiveConnection | None:
        return self._registry.get(
            self._api.api_id, request.match_info["stage"], request.match_info["connection_id"]
        )


def _gone() -> web.Response:
    return _error(410, "GoneException", None)


def _error(status: int, error_type: str, message: str | None) -> web.Response:
    response = web.json_response({"message": message}, status=status)
    response.headers["x-amzn-ErrorType"] = error_type
    return _answer(response)


def _answer(response: web.Response) -> web.Response:
    # botocore reports this header as the ResponseMetadata's RequestId, as from AWS.
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _iso8601(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
