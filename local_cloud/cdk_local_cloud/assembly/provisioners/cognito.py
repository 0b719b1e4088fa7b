"""Cognito user pools, app clients and groups on moto, so that sign-up, sign-in and tokens work locally.

A pool's Lambda triggers are not passed to moto (moto would call its own Lambda, not the local cloud's
function host); they stay in the Deployment's properties.
"""

from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.assembly.provisioners.api_arguments import api_arguments, renamed
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]

_NOT_FOR_MOTO = ("LambdaConfig",)


def _user_pool(request: ProvisionRequest) -> Provisioned:
    client = request.client("cognito-idp")
    properties = {key: value for key, value in request.properties.items() if key not in _NOT_FOR_MOTO}
    arguments = renamed(properties, {"UserPoolName": "PoolName"})
    arguments["PoolName"] = request.name("UserPoolName", max_length=128)
    pool = client.create_user_pool(**api_arguments(client, "CreateUserPool", arguments))["UserPool"]
    provider_name = f"cognito-idp.{request.region}.amazonaws.com/{pool['Id']}"
    return Provisioned(
        pool["Id"],
        {
            "Arn": pool["Arn"],
            "UserPoolId": pool["Id"],
            "ProviderName": provider_name,
            "ProviderURL": f"https://{provider_name}",
        },
    )


def _user_pool_client(request: ProvisionRequest) -> Provisioned:
    client = request.client("cognito-idp")
    arguments = {**request.properties, "ClientName": request.name("ClientName", max_length=128)}
    created = client.create_user_pool_client(**api_arguments(client, "CreateUserPoolClient", arguments))
    app_client: Mapping[str, Any] = created["UserPoolClient"]
    attributes = {"ClientId": app_client["ClientId"], "Name": app_client["ClientName"]}
    if "ClientSecret" in app_client:
        attributes["ClientSecret"] = app_client["ClientSecret"]
    return Provisioned(app_client["ClientId"], attributes)


def _user_pool_group(request: ProvisionRequest) -> Provisioned:
    client = request.client("cognito-idp")
    arguments = {**request.properties, "GroupName": request.name("GroupName", max_length=128)}
    group = client.create_group(**api_arguments(client, "CreateGroup", arguments))["Group"]
    return Provisioned(group["GroupName"])


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
}
