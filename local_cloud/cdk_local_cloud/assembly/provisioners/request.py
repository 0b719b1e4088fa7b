"""What a provisioner is given (one resource, its properties resolved) and what it gives back."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cdk_local_cloud.assembly.physical_names import generated_name, short_id, uuid_like

__all__ = ["AwsClients", "ProvisionRequest", "Provisioned", "Provisioner", "recorded_only"]


class AwsClients(Protocol):
    """Where provisioners get their boto3 clients on the embedded AWS (``MotoClients``)."""

    def client(self, service: str) -> Any: ...


@dataclass(frozen=True)
class ProvisionRequest:
    """One template resource to create on moto (or only to model), with every intrinsic resolved."""

    stack: str
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    region: str
    account_id: str
    clients: AwsClients

    def client(self, service: str) -> Any:
        return self.clients.client(service)

    def name(self, name_property: str, *, max_length: int, lowercase: bool = False, suffix: str = "") -> str:
        """The name the template gives in ``name_property``, else one generated as CloudFormation would.

        ``suffix`` ends a generated name only (".fifo" for FIFO queues and topics).
        """
        given = self.properties.get(name_property)
        if given:
            return str(given)
        name = generated_name(
            self.stack, self.logical_id, max_length=max_length - len(suffix), lowercase=lowercase
        )
        return name + suffix

    def generated_name(self, *, max_length: int = 128) -> str:
        return generated_name(self.stack, self.logical_id, max_length=max_length)

    def uuid(self) -> str:
        return uuid_like(self.stack, self.logical_id)

    def short_id(self, *extra_parts: str, length: int = 10) -> str:
        return short_id(self.stack, self.logical_id, *extra_parts, length=length)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class Provisioned:
    """``physical_id`` is what ``Ref`` gives; ``attributes`` is what ``Fn::GetAtt`` gives."""

    physical_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)


Provisioner = Callable[[ProvisionRequest], Provisioned]


def recorded_only(request: ProvisionRequest) -> Provisioned:
    """For resources that live only in the Deployment: an id generated as CloudFormation would."""
    return Provisioned(request.generated_name())
