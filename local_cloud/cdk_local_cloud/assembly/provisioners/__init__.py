"""What the deployer does for each resource type: each module registers the types it handles.

A type with no provisioner here is not emulated: the deployer warns once per type and records it.
Custom resources are recorded with their resolved properties, which other parts of the local cloud read
(the S3 notifications of ``Custom::S3BucketNotifications``, for instance).
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners import (
    apigateway,
    awslambda,
    codedeploy,
    cognito,
    dynamodb,
    iam,
    kms,
    logs,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
)
from cdk_local_cloud.assembly.provisioners.request import (
    Provisioned,
    Provisioner,
    ProvisionRequest,
    recorded_only,
)

__all__ = [
    "PROVISIONERS",
    "ProvisionRequest",
    "Provisioned",
    "Provisioner",
    "is_custom_resource",
    "provisioner_for",
]

PROVISIONERS: Mapping[str, Provisioner] = {
    **apigateway.PROVISIONERS,
    **awslambda.PROVISIONERS,
    **codedeploy.PROVISIONERS,
    **cognito.PROVISIONERS,
    **dynamodb.PROVISIONERS,
    **iam.PROVISIONERS,
    **kms.PROVISIONERS,
    **logs.PROVISIONERS,
    **s3.PROVISIONERS,
    **secretsmanager.PROVISIONERS,
    **sns.PROVISIONERS,
    **sqs.PROVISIONERS,
    **ssm.PROVISIONERS,
}

_GENERIC_CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def is_custom_resource(resource_type: str) -> bool:
    """Custom resources: their handler decides their attributes, so the local cloud cannot know them."""
    return resource_type.startswith("Custom::") or resource_type == _GENERIC_CUSTOM_RESOURCE


def provisioner_for(resource_type: str) -> Provisioner | None:
    """The provisioner of ``resource_type``; None when the local cloud does not emulate the type."""
    if is_custom_resource(resource_type):
        return recorded_only
    return PROVISIONERS.get(resource_type)
