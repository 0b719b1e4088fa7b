"""Where each API of the deployment is served locally, read from its Stage resources."""

from collections.abc import Iterator
from dataclasses import dataclass

from cdk_local_cloud.contracts.deployment import Deployment, Resource

__all__ = ["LocalApi", "local_apis"]


@dataclass(frozen=True)
class LocalApi:
    """One API stage on the local gateway, e.g. REST at ``http://127.0.0.1:4510/{api-id}/{stage}/``."""

    protocol: str  # "REST" or "WebSocket"
    name: str  # stack/logicalId, as `cdk` names it
    api: Resource
    url: str


def local_apis(deployment: Deployment, gateway_host: str) -> Iterator[LocalApi]:
    for stage in deployment.of_type("AWS::ApiGateway::Stage"):
        api = deployment.by_physical_id(stage.properties["RestApiId"])
        yield LocalApi(
            "REST",
            _name(api),
            api,
            f"http://{gateway_host}/{api.physical_id}/{stage.properties['StageName']}/",
        )
    for stage in deployment.of_type("AWS::ApiGatewayV2::Stage"):
        api = deployment.by_physical_id(stage.properties["ApiId"])
        if api.properties.get("ProtocolType") == "WEBSOCKET":
            yield LocalApi(
                "WebSocket",
                _name(api),
                api,
                f"ws://{gateway_host}/{api.physical_id}/{stage.properties['StageName']}",
            )


def _name(resource: Resource) -> str:
    return f"{resource.stack}/{resource.logical_id}"
