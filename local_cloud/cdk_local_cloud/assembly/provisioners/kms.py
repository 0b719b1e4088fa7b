"""KMS keys and aliases on moto, so that a customer-managed environment deploys locally as it does on AWS.

The tables, queues, secret and log groups of such an environment name the key by ARN; moto stores that
reference and encrypts nothing with it, and functions never call KMS themselves (DynamoDB, SQS and Secrets
Manager do on AWS), so the local cloud needs the key to exist, not to work.
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.cfn_text import as_text
from cdk_local_cloud.assembly.provisioners.api_arguments import is_true, tag_mapping
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _key(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("kms")
    tags = [{"TagKey": key, "TagValue": value} for key, value in tag_mapping(properties.get("Tags")).items()]
    arguments = {"Description": as_text(properties.get("Description", "")), "Tags": tags}
    if "KeyPolicy" in properties:
        arguments["Policy"] = as_text(properties["KeyPolicy"])
    metadata = client.create_key(**arguments)["KeyMetadata"]
    if is_true(properties.get("EnableKeyRotation")):
        client.enable_key_rotation(KeyId=metadata["KeyId"])
    return Provisioned(metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})


def _alias(request: ProvisionRequest) -> Provisioned:
    name = as_text(request.properties["AliasName"])
    request.client("kms").create_alias(AliasName=name, TargetKeyId=as_text(request.properties["TargetKeyId"]))
    return Provisioned(name)


PROVISIONERS: Mapping[str, Provisioner] = {"AWS::KMS::Key": _key, "AWS::KMS::Alias": _alias}
