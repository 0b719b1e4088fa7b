"""The local API gateway: one aiohttp server, on one port, for every REST and WebSocket API of a deployment.

URLs are the real ones with the API id moved from the host name into the path:
``http://HOST/{restApiId}/{stage}/{path}``, ``ws://HOST/{wsApiId}/{stage}`` and its ``@connections``.
Async callers use :func:`start_gateway`/:func:`stop_gateway`; synchronous ones (CLI, tests) use
:func:`run_gateway`, which serves from a thread with its own event loop.
"""

import asyncio
import logging
import threading

from aiohttp import web
from aiohttp.typedefs import Handler

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import FunctionInvoker
from cdk_local_cloud.contracts.ports import LOOPBACK, PortInUseError
from cdk_local_cloud.gateway.access_log import RedactingAccessLogger
from cdk_local_cloud.gateway.rest.api import ANY_PATH, MAX_REQUEST_BYTES, add_rest_apis
from cdk_local_cloud.gateway.websocket.api import add_websocket_apis

__all__ = [
    "CLIENT_CLOSED_REQUEST",
    "RunningGateway",
    "create_gateway_app",
    "run_gateway",
    "start_gateway",
    "stop_gateway",
]

_logger = logging.getLogger(__name__)

_STOP_TIMEOUT_SECONDS = 10
# API Gateway's limit on the request line and on each header; aiohttp's default (8,190) is lower.
_MAX_LINE_BYTES = 10240
# The access log's status for a request whose client hung up before it was answered (nginx's convention).
CLIENT_CLOSED_REQUEST = 499


def create_gateway_app(deployment: Deployment, invoker: FunctionInvoker, *, host: str) -> web.Application:
    """The aiohttp application serving ``deployment``'s APIs; ``host`` is where it listens (``ip:port``)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[_client_resets_quietly])
    add_rest_apis(app, deployment, invoker, host=host)
    add_websocket_apis(app, deployment, invoker, host=host)
    # Registered last: aiohttp tries the APIs' own (longer, literal) prefixes first.
    app.router.add_route("*", f"/{{tail:{ANY_PATH}}}", _unknown_api)
    return app


async def start_gateway(app: web.Application, port: int, *, host: str = LOOPBACK) -> web.AppRunner:
    """Serves ``app`` on ``host:port`` (0 picks a free port; see ``runner.addresses``) in the running loop."""
    runner = web.AppRunner(
        app,
        handle_signals=False,
        max_line_size=_MAX_LINE_BYTES,
        max_field_size=_MAX_LINE_BYTES,
        access_log_class=RedactingAccessLogger,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise PortInUseError(port, "API gateway", "--port", "PORT") from error
    return runner


async def stop_gateway(runner: web.AppRunner) -> None:
    """Closes the listening socket and open connections, and runs the APIs' cleanup hooks."""
    await runner.cleanup()


class RunningGateway:
    """A gateway serving from its own thread and event loop; :meth:`stop` may be called from any thread."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, thread: threading.Thread, runner: web.AppRunner
    ) -> None:
        self._loop = loop
        self._thread = thread
        self._runner = runner

    @property
    def port(self) -> int:
        """The port actually bound (useful when 0 was asked for)."""
        return int(self._runner.addresses[0][1])

    def stop(self) -> None:
        """Stops serving; invocations still queued (a burst of ``$disconnect`` calls) are abandoned."""
        try:
            asyncio.run_coroutine_threadsafe(stop_gateway(self._runner), self._loop).result(
                _STOP_TIMEOUT_SECONDS
            )
        except TimeoutError:
            _logger.warning(
                "local cloud: the gateway took over %d s to stop; closing it anyway", _STOP_TIMEOUT_SECONDS
            )
        finally:
            _stop_loop(self._loop, self._thread)


def run_gateway(app: web.Application, port: int, *, host: str = LOOPBACK) -> RunningGateway:
    """Starts serving ``app`` on a background thread and returns once the port is listening."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="api-gateway", daemon=True)
    thread.start()
    try:
        runner = asyncio.run_coroutine_threadsafe(start_gateway(app, port, host=host), loop).result()
    except BaseException:
        _stop_loop(loop, thread)
        raise
    return RunningGateway(loop, thread, runner)


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(_STOP_TIMEOUT_SECONDS)
    if not thread.is_alive():
        loop.close()


@web.middleware
async def _client_resets_quietly(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A client that resets its connection (killed, or its link dropped) is routine, not a gateway fault.

    aiohttp logs a handler's ConnectionResetError with a full traceback; answering instead leaves one
    access-log line with status 499, and nothing is written since the connection is gone.
    """
    try:
        return await handler(request)
    except ConnectionResetError:
        return web.Response(status=CLIENT_CLOSED_REQUEST, reason="Client Closed Request")


async def _unknown_api(_: web.Request) -> web.Response:
    """No API has this id: AWS has no such host name at all; locally it is a 404 in API Gateway's shape."""
    return web.json_response({"message": "Not Found"}, status=404)
