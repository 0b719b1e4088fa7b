"""IAM roles and policies: created on moto too (harmless), and kept in the Deployment for the IAM check.

The function workers evaluate these policies themselves (see cdk_local_cloud/iam); moto's own IAM enforcement
stays off. Managed policy ARNs are recorded only: AWS's managed policies do not exist on moto.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from cdk_local_cloud.assembly.provisioners.api_arguments import api_arguments
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _role(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("iam")
    name = request.name("RoleName", max_length=64)
    arguments = {
        **properties,
        "RoleName": name,
        "AssumeRolePolicyDocument": json.dumps(properties.get("AssumeRolePolicyDocument", {})),
    }
    role = client.create_role(**api_arguments(client, "CreateRole", arguments))["Role"]
    for policy in properties.get("Policies", ()):
        _put_inline_policy(client, [name], policy["PolicyName"], policy["PolicyDocument"])
    return Provisioned(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


def _policy(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    roles = [str(role) for role in properties.get("Roles", ())]
    _put_inline_policy(
        request.client("iam"), roles, str(properties["PolicyName"]), properties["PolicyDocument"]
    )
    return Provisioned(request.generated_name())


def _managed_policy(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("iam")
    name = request.name("ManagedPolicyName", max_length=128)
    arguments = {
        "PolicyName": name,
        "Path": properties.get("Path", "/"),
        "Description": properties.get("Description", ""),
        "PolicyDocument": json.dumps(properties["PolicyDocument"]),
    }
    arn = client.create_policy(**arguments)["Policy"]["Arn"]
    for role in properties.get("Roles", ()):
        client.attach_role_policy(RoleName=str(role), PolicyArn=arn)
    return Provisioned(arn, {"PolicyArn": arn})


def _put_inline_policy(client: Any, roles: Iterable[str], name: str, document: Mapping[str, Any]) -> None:
    for role in roles:
        client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::Policy": _policy,
    "AWS::IAM::ManagedPolicy": _managed_policy,
}
