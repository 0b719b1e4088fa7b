"""SSM parameters on moto, so that functions read the template's parameter values locally."""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners.api_arguments import api_arguments, tag_list
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _parameter(request: ProvisionRequest) -> Provisioned:
    client = request.client("ssm")
    name = request.name("Name", max_length=1011)
    tags = tag_list(request.properties.get("Tags"))
    arguments = {**request.properties, "Name": name, "Tags": tags}
    client.put_parameter(**api_arguments(client, "PutParameter", arguments))
    return Provisioned(
        name, {"Type": str(request.properties["Type"]), "Value": str(request.properties["Value"])}
    )


PROVISIONERS: Mapping[str, Provisioner] = {"AWS::SSM::Parameter": _parameter}
