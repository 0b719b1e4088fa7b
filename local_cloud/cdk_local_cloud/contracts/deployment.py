"""What the local cloud deployed: every template resource with its properties resolved and its physical id.

This is the one shape that the provisioner produces and the gateway, the function host, the IAM check and
the event sources read, so none of them interprets CloudFormation intrinsics on its own.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Deployment", "DeploymentLookupError", "Resource"]


class DeploymentLookupError(LookupError):
    """A resource was asked for by an id, name or ARN that the deployment does not hold."""


@dataclass(frozen=True)
class Resource:
    """One template resource after deployment.

    ``properties`` has every intrinsic (Ref, GetAtt, Join, Sub, imports, ...) already resolved to plain
    values. ``physical_id`` is what ``Ref`` returns; ``attributes`` is what ``Fn::GetAtt`` returns.
    """

    stack: str
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    physical_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str | None:
        return self.attributes.get("Arn")


@dataclass(frozen=True)
class Deployment:
    """Every stack of one cloud assembly, deployed on the embedded AWS (moto server)."""

    region: str
    account_id: str
    aws_endpoint_url: str
    cdk_out: Path
    resources: tuple[Resource, ...]
    # stack name -> output name -> resolved value (execute-api URLs still in their AWS form)
    outputs: Mapping[str, Mapping[str, str]]
    # asset object key as the template names it (e.g. "<hash>.zip") -> its directory in cdk.out
    asset_paths: Mapping[str, Path]

    def of_type(self, resource_type: str) -> Iterator[Resource]:
        return (resource for resource in self.resources if resource.type == resource_type)

    def get(self, stack: str, logical_id: str) -> Resource:
        for resource in self.resources:
            if resource.stack == stack and resource.logical_id == logical_id:
                return resource
        raise DeploymentLookupError(f"No resource {logical_id} in stack {stack}.")

    def by_physical_id(self, physical_id: str) -> Resource:
        for resource in self.resources:
            if physical_id in (resource.physical_id, resource.arn):
                return resource
        raise DeploymentLookupError(f"No deployed resource has the id or ARN {physical_id}.")

    def asset_path(self, object_key: str) -> Path:
        try:
            return self.asset_paths[object_key]
        except KeyError:
            raise DeploymentLookupError(
                f"The template names asset {object_key}, which cdk.out does not hold: synthesize again."
            ) from None
