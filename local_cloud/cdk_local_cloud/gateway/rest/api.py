"""The deployment's REST APIs on the local gateway: ``http://HOST/{restApiId}/{stage}/{path}``.

Each request goes through API Gateway's steps in API Gateway's order: route (403 Missing Authentication
Token), throttle (429), authorize (401/403), validate required parameters (400), integrate (the function's
reply, or 502/504), with the gateway's own errors shaped by the template's gateway responses.
"""

import asyncio
import logging
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.invocation import FunctionInvoker
from cdk_local_cloud.gateway.rest.cognito_authorizer import (
    CognitoTokenVerifier,
    JwksUnavailableError,
    TokenRejectedError,
)
from cdk_local_cloud.gateway.rest.deployment import load_rest_apis
from cdk_local_cloud.gateway.rest.gateway_responses import GatewayError, ResponseType, render_gateway_response
from cdk_local_cloud.gateway.rest.lambda_authorizer import LambdaAuthorizer
from cdk_local_cloud.gateway.rest.mapping import MappingSources, resolve_expression
from cdk_local_cloud.gateway.rest.mock import mock_reply
from cdk_local_cloud.gateway.rest.model import LambdaProxyIntegration, Method, MockIntegration, RestApi, Stage
from cdk_local_cloud.gateway.rest.proxy import (
    MalformedProxyResponseError,
    build_proxy_event,
    parse_proxy_response,
)
from cdk_local_cloud.gateway.rest.reply import HttpReply
from cdk_local_cloud.gateway.rest.request import IncomingRequest
from cdk_local_cloud.gateway.rest.routing import RouteMatch, match_route
from cdk_local_cloud.gateway.rest.throttling import StageThrottle
from cdk_local_cloud.gateway.threaded_invoker import ThreadedInvoker

__all__ = ["ANY_PATH", "MAX_REQUEST_BYTES", "add_rest_apis"]

logger = logging.getLogger(__name__)

# API Gateway's payload limit; the aiohttp application must accept bodies this large.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
_SIGV4_PREFIX = "AWS4-HMAC-SHA256"
# Also matches decoded newlines (``%0A``), which ``.*`` would not; API Gateway routes those paths.
ANY_PATH = r"[\s\S]*"
# Framing headers are the server's business; a function's values for them would corrupt the reply.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def add_rest_apis(
    app: web.Application, deployment: Deployment, invoker: FunctionInvoker, *, host: str
) -> None:
    """Serves every REST API of ``deployment`` on ``app``; ``host`` (``127.0.0.1:PORT``) is the domain."""
    apis = load_rest_apis(deployment)
    threaded = ThreadedInvoker(invoker)
    gateway = _RestGateway(deployment, apis, threaded, host)
    for api_id in apis:
        app.router.add_route("*", f"/{api_id}", gateway.handle)
        app.router.add_route("*", f"/{api_id}/{{tail:{ANY_PATH}}}", gateway.handle)

    async def close_invoker(_: web.Application) -> None:
        threaded.close()

    app.on_cleanup.append(close_invoker)


class _RestGateway:
    def __init__(
        self, deployment: Deployment, apis: dict[str, RestApi], invoker: ThreadedInvoker, host: str
    ) -> None:
        self._deployment = deployment
        self._apis = apis
        self._invoker = invoker
        self._host = host
        self._cognito = CognitoTokenVerifier(deployment)
        self._lambda_authorizer = LambdaAuthorizer(invoker)
        self._throttles = {
            (api.api_id, stage.name): StageThrottle(stage)
            for api in apis.values()
            for stage in api.stages.values()
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        api_id, _, rest = request.rel_url.raw_path.removeprefix("/").partition("/")
        api = self._apis[api_id]
        stage_name, _, path = rest.partition("/")
        stage = api.stages.get(unquote(stage_name))
        if stage is None:
            return web.json_response({"message": "Forbidden"}, status=403)
        try:
            body, pending = await request.read(), None
        except web.HTTPRequestEntityTooLarge:
            body, pending = b"", GatewayError(ResponseType.REQUEST_TOO_LARGE)
        incoming = self._incoming(request, api, stage, path=path, body=body)
        sources = MappingSources(
            request=incoming, context=incoming.context_variables(), stage_variables=stage.variables
        )
        reply = await self._reply(api, stage, sources, pending)
        return _to_response(reply, incoming)

    def _incoming(
        self, request: web.Request, api: RestApi, stage: Stage, *, path: str, body: bytes
    ) -> IncomingRequest:
        return IncomingRequest(
            api_id=api.api_id,
            stage=stage.name,
            http_method=request.method,
            path="/" + unquote(path).rstrip("/"),
            headers=request.headers,
            query=request.rel_url.query,
            body=body,
            source_ip=request.remote or "127.0.0.1",
            protocol=f"HTTP/{request.version.major}.{request.version.minor}",
            domain_name=self._host,
            account_id=self._deployment.account_id,
            region=self._deployment.region,
        )

    async def _reply(
        self, api: RestApi, stage: Stage, sources: MappingSources, pending: GatewayError | None
    ) -> HttpReply:
        """The method's reply, or the gateway's error rendered with everything known when it happened."""
        try:
            if pending is not None:
                raise pending
            match = match_route(api.root, sources.request.segments, sources.request.http_method)
            if match is None:
                raise GatewayError(ResponseType.MISSING_AUTHENTICATION_TOKEN)
            sources = replace(
                sources,
                path_parameters=match.path_parameters,
                context={
                    **sources.context,
                    "resourcePath": match.method.resource_path,
                    "resourceId": match.method.resource_id,
                },
            )
            return await self._through_method(api, stage, match, sources)
        except GatewayError as error:
            return render_gateway_response(error, api.gateway_responses, sources)

    async def _through_method(
        self, api: RestApi, stage: Stage, match: RouteMatch, sources: MappingSources
    ) -> HttpReply:
        method = match.method
        if not self._throttles[(api.api_id, stage.name)].allow(method.resource_path, method.http_method):
            raise GatewayError(ResponseType.THROTTLED)
        authorizer = await self._authorize(api, method, sources)
        _check_required_parameters(method, sources.request)
        if isinstance(method.integration, MockIntegration):
            return mock_reply(method.integration, sources)
        if isinstance(method.integration, LambdaProxyIntegration):
            return await self._invoke(api, match, method.integration, sources, authorizer)
        raise GatewayError(ResponseType.DEFAULT_5XX, status=500)

    async def _authorize(
        self, api: RestApi, method: Method, sources: MappingSources
    ) -> dict[str, Any] | None:
        """``requestContext.authorizer`` (None without one); raises :class:`GatewayError` when refused."""
        authorization = method.authorization
        if authorization.type == "NONE":
            return None
        if authorization.type == "AWS_IAM":
            if not sources.request.headers.get("Authorization", "").startswith(_SIGV4_PREFIX):
                raise GatewayError(ResponseType.MISSING_AUTHENTICATION_TOKEN)
            return None
        authorizer = api.authorizers.get(authorization.authorizer_id or "")
        if authorizer is None:
            raise GatewayError(ResponseType.AUTHORIZER_CONFIGURATION_ERROR)
        if authorizer.type != "COGNITO_USER_POOLS":
            return await self._lambda_authorizer.authorize(authorizer, method, sources)
        token = next((resolve_expression(source, sources) for source in authorizer.identity_sources), None)
        try:
            claims = await self._cognito.verify(
                token,
                authorizer.provider_arns,
                scopes=authorization.scopes,
                audience_pattern=authorizer.identity_validation_expression,
            )
        except TokenRejectedError as rejection:
            raise GatewayError(ResponseType.UNAUTHORIZED, str(rejection)) from None
        except JwksUnavailableError as error:
            logger.warning("%s", error)
            raise GatewayError(ResponseType.AUTHORIZER_CONFIGURATION_ERROR) from error
        return {"claims": claims}

    async def _invoke(
        self,
        api: RestApi,
        match: RouteMatch,
        integration: LambdaProxyIntegration,
        sources: MappingSources,
        authorizer: dict[str, Any] | None,
    ) -> HttpReply:
        event = build_proxy_event(
            sources.request,
            match.method,
            path_parameters=match.path_parameters,
            stage_variables=sources.stage_variables,
            authorizer=authorizer,
            binary_media_types=api.binary_media_types,
        )
        try:
            result = await asyncio.wait_for(
                self._invoker.invoke(integration.function_arn, event), timeout=integration.timeout_seconds
            )
        except TimeoutError:
            raise GatewayError(ResponseType.INTEGRATION_TIMEOUT) from None
        if result.error is not None:
            if result.error.timed_out:
                raise GatewayError(ResponseType.INTEGRATION_TIMEOUT)
            raise GatewayError(ResponseType.DEFAULT_5XX, status=502)
        try:
            return parse_proxy_response(
                result.payload,
                accept=sources.request.headers.get("Accept"),
                binary_media_types=api.binary_media_types,
            )
        except MalformedProxyResponseError as error:
            logger.warning("%s: %s", integration.function_arn, error)
            raise GatewayError(ResponseType.DEFAULT_5XX, status=502) from error


def _check_required_parameters(method: Method, incoming: IncomingRequest) -> None:
    if not method.validates_parameters:
        return
    present = {"header": incoming.headers, "querystring": incoming.query}
    missing = [
        parameter.name
        for parameter in method.required_parameters
        if parameter.location in present and parameter.name not in present[parameter.location]
    ]
    if missing:
        raise GatewayError(
            ResponseType.BAD_REQUEST_PARAMETERS,
            f"Missing required request parameters: [{', '.join(missing)}]",
        )


def _to_response(reply: HttpReply, incoming: IncomingRequest) -> web.Response:
    headers = CIMultiDict(
        (name, value) for name, value in reply.headers if name.lower() not in _FRAMING_HEADERS
    )
    headers.setdefault("x-amzn-RequestId", incoming.request_id)
    headers.setdefault("x-amz-apigw-id", incoming.extended_request_id)
    return web.Response(status=reply.status, headers=headers, body=reply.body)
