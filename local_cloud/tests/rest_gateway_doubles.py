"""Shared pieces of the REST gateway tests (no tests here): a recording function invoker, a builder for
hand-made REST API deployments, and the real gateway served on a free port."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from fakes import FAKE_ACCOUNT_ID, REGION, free_port

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.invocation import InvocationResult
from cdk_local_cloud.gateway.server import create_gateway_app, run_gateway

STACK = "RestStack"
CORS_ORIGIN = "http://localhost:5173"

Reply = Callable[[dict[str, Any]], InvocationResult]


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:{name}"


def invocation_uri(function: str) -> str:
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(function)}/invocations"
    )


def ok(_event: dict[str, Any]) -> InvocationResult:
    return InvocationResult(payload={"statusCode": 200, "body": "ok"})


class RecordingInvoker:
    """Stands in for the function host: records (function ARN, event) and answers per function name."""

    def __init__(self, **replies: Reply) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.replies = replies
        # functions that block wait on this; the fixture sets it before stopping the gateway
        self.release = threading.Event()

    def invoke(self, function: str, event: Any) -> InvocationResult:
        self.calls.append((function, event))
        return self.replies.get(function.rsplit(":", 1)[-1], ok)(event)

    def last_event(self, function: str = "echo") -> dict[str, Any]:
        return next(event for name, event in reversed(self.calls) if name == function_arn(function))

    def count(self, function: str) -> int:
        return sum(1 for name, _ in self.calls if name == function_arn(function))


class TemplateBuilder:
    """Builds one API's resources the way the provisioner leaves them: properties resolved, ids physical."""

    def __init__(self, api_id: str, **api_properties: Any) -> None:
        self.api_id = api_id
        self.resources: list[Resource] = [
            Resource(
                STACK,
                api_id,
                "AWS::ApiGateway::RestApi",
                {"Name": api_id, **api_properties},
                api_id,
                {"RootResourceId": "root"},
            )
        ]

    def add(self, resource_type: str, physical_id: str, **properties: Any) -> str:
        logical_id = "".join(character for character in f"{self.api_id}{physical_id}" if character.isalnum())
        self.resources.append(
            Resource(
                STACK,
                logical_id,
                f"AWS::ApiGateway::{resource_type}",
                {"RestApiId": self.api_id, **properties},
                physical_id,
            )
        )
        return physical_id

    def path(self, path: str) -> str:
        """Creates the resources of ``path`` (``/a/{b}``) as needed and returns the last one's id."""
        parent = "root"
        parts = [part for part in path.split("/") if part]
        for depth, part in enumerate(parts, start=1):
            resource_id = f"{self.api_id}:{'/'.join(parts[:depth])}"
            if not any(resource.physical_id == resource_id for resource in self.resources):
                self.add("Resource", resource_id, ParentId=parent, PathPart=part)
            parent = resource_id
        return parent

    def method(
        self,
        http_method: str,
        path: str,
        function: str = "echo",
        *,
        integration: dict[str, Any] | None = None,
        **properties: Any,
    ) -> str:
        resource_id = self.path(path)
        return self.add(
            "Method",
            f"{resource_id}:{http_method}",
            ResourceId=resource_id,
            HttpMethod=http_method,
            AuthorizationType=properties.pop("AuthorizationType", "NONE"),
            Integration=integration
            or {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": invocation_uri(function)},
            **properties,
        )

    def stage(self, name: str, **properties: Any) -> None:
        self.add("Stage", name, StageName=name, **properties)


def cors_preflight() -> dict[str, Any]:
    """The MOCK integration that CDK's defaultCorsPreflightOptions synthesizes."""
    return {
        "Type": "MOCK",
        "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
        "IntegrationResponses": [
            {
                "StatusCode": "204",
                "ResponseParameters": {
                    "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
                    "method.response.header.Access-Control-Allow-Origin": f"'{CORS_ORIGIN}'",
                    "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,POST'",
                },
            }
        ],
    }


def deployment_of(
    *apis: TemplateBuilder, extra: tuple[Resource, ...] = (), aws_endpoint_url: str = "http://127.0.0.1:1"
) -> Deployment:
    return Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url=aws_endpoint_url,
        cdk_out=Path("cdk.out"),
        resources=tuple(resource for api in apis for resource in api.resources) + extra,
        outputs={},
        asset_paths={},
    )


class GatewayClient:
    """Requests to one API stage of the running gateway."""

    def __init__(self, base_url: str, invoker: RecordingInvoker) -> None:
        self.base_url = base_url
        self.invoker = invoker
        self._http = requests.Session()
        self._http.trust_env = False

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._http.request(method, f"{self.base_url}{path}", timeout=10, **kwargs)


@contextmanager
def serve(deployment: Deployment, invoker: RecordingInvoker) -> Iterator[GatewayClient]:
    """The real gateway app for ``deployment`` on a free port, for as long as the context lasts."""
    port = free_port()
    running = run_gateway(create_gateway_app(deployment, invoker, host=f"127.0.0.1:{port}"), port)
    try:
        yield GatewayClient(f"http://127.0.0.1:{running.port}", invoker)
    finally:
        invoker.release.set()
        running.stop()
