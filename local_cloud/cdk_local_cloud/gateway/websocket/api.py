"""The local API Gateway for WebSocket APIs: every ``AWS::ApiGatewayV2::Api`` of ProtocolType WEBSOCKET.

Each stage is served at ``ws://HOST/{apiId}/{stage}`` (AWS's ``wss://{apiId}.execute-api...``/stage with
the API id moved into the path) and its Management API at ``http://HOST/{apiId}/{stage}/@connections/{id}``.
Built from the template alone:

- $connect runs the route's Lambda REQUEST authorizer (identity sources, policy, context) and then its
  integration; either can refuse the upgrade with API Gateway's status (:mod:`.websocket_handshake`);
- messages are routed by the API's RouteSelectionExpression (``$request.body.<dotted path>``) with
  ``$default``; no route -> the ``Forbidden`` frame; a failing function -> the ``Internal server error``
  frame; two-way routes (RouteResponseSelectionExpression) send the function's ``body`` back
  (:mod:`.websocket_messages`);
- $disconnect runs when the client closes, the connection is deleted or the gateway closes it;
- ``@connections`` POST/GET/DELETE, with GoneException for a connection that is not open
  (:mod:`.connections_api`); binary client frames close with 1003, messages over 128 KB with 1009.

Events carry AWS's fields (:mod:`.websocket_events`); ``requestContext.domainName`` is the AWS host name
``{apiId}.execute-api.{region}.amazonaws.com``, so that a callback URL built from it equals the
template's own execute-api URL, which the function side must point at this gateway
(:func:`cdk_local_cloud.contracts.local_endpoints.localize_execute_api_urls`).

Not emulated: the idle timeout (10 min) and the 2 h connection limit (sockets stay open until closed);
the 32 KB frame quota (only the 128 KB message quota is enforced); the 29 s integration timeout (the
function's own Timeout applies); throttling and connection-rate quotas; the authorizer's 8 KB result
quota; integrations other than Lambda proxy, RouteResponse and model/template resources, content
handling; AWS_IAM authorization and API keys on routes; SigV4 on ``@connections`` (the function-side
IAM hook checks ``execute-api:ManageConnections``); access and execution logs (the gateway's own access
log hides the query-string identity sources, :mod:`.access_log`); ``$disconnect`` when the local cloud
itself shuts down. Each unsupported template setting is warned about once, at start-up.
"""

import asyncio
import logging

from aiohttp import web

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import FunctionInvoker
from cdk_local_cloud.gateway.access_log import hide_query_parameters
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker
from cdk_local_cloud.gateway.websocket.connections import ConnectionRegistry
from cdk_local_cloud.gateway.websocket.connections_api import ConnectionsApi
from cdk_local_cloud.gateway.websocket.definitions import IdentitySourceLocation, WebSocketApi, websocket_apis
from cdk_local_cloud.gateway.websocket.endpoint import WebSocketEndpoint
from cdk_local_cloud.gateway.websocket.handshake import ConnectAdmission
from cdk_local_cloud.gateway.websocket.messages import RouteDispatcher

__all__ = ["add_websocket_apis"]

logger = logging.getLogger(__name__)


def add_websocket_apis(
    app: web.Application, deployment: Deployment, invoker: FunctionInvoker, *, host: str
) -> None:
    """Serves every WebSocket API of ``deployment`` on ``app``, whose server listens on ``host`` (ip:port).

    It registers the socket and ``@connections`` routes, plus shutdown hooks that close the open sockets
    (1001) and release the invocation threads.
    """
    apis = websocket_apis(deployment)
    if not apis:
        return
    hide_query_parameters(app, _query_identity_sources(apis))
    threaded_invoker = ThreadedInvoker(invoker)
    registry = ConnectionRegistry()
    endpoints = [_serve_api(app, api, deployment, threaded_invoker, registry, host=host) for api in apis]

    async def close_sockets(_: web.Application) -> None:
        await asyncio.gather(*(endpoint.stop() for endpoint in endpoints))

    async def release_threads(_: web.Application) -> None:
        threaded_invoker.close()

    app.on_shutdown.append(close_sockets)
    app.on_cleanup.append(release_threads)


def _query_identity_sources(apis: tuple[WebSocketApi, ...]) -> set[str]:
    """The query parameters that carry credentials: what the $connect authorizers read from the query."""
    return {
        source.name
        for api in apis
        for route in api.routes.values()
        if route.authorizer is not None
        for source in route.authorizer.identity_sources
        if source.location is IdentitySourceLocation.QUERY_STRING
    }


def _serve_api(
    app: web.Application,
    api: WebSocketApi,
    deployment: Deployment,
    invoker: ThreadedInvoker,
    registry: ConnectionRegistry,
    *,
    host: str,
) -> WebSocketEndpoint:
    endpoint = WebSocketEndpoint(
        api,
        ConnectAdmission(api, invoker, region=deployment.region, account_id=deployment.account_id),
        RouteDispatcher(api, invoker),
        registry,
        domain_name=f"{api.api_id}.execute-api.{deployment.region}.amazonaws.com",
    )
    # AWS accepts the stage URL with or without a trailing slash.
    app.router.add_get(f"/{api.api_id}/{{stage}}", endpoint.handle)
    app.router.add_get(f"/{api.api_id}/{{stage}}/", endpoint.handle)
    ConnectionsApi(api, registry).add_routes(app)
    for stage in api.stages:
        logger.info(
            "WebSocket API %s: ws://%s/%s/%s (routes %s)",
            api.name,
            host,
            api.api_id,
            stage,
            ", ".join(api.routes),
        )
    return endpoint
