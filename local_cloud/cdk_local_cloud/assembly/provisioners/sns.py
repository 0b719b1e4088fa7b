"""SNS topics on moto, with their SQS subscriptions; other subscriptions are recorded only.

moto delivers to SQS itself. E-mail and SMS cannot be delivered offline, and a Lambda subscription would
reach moto's own Lambda, not the local cloud's function host, so those are kept in the Deployment only.
"""

from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.assembly.cfn_text import as_text
from cdk_local_cloud.assembly.provisioners.api_arguments import is_true, tag_list
from cdk_local_cloud.assembly.provisioners.request import (
    Provisioned,
    Provisioner,
    ProvisionRequest,
    recorded_only,
)

__all__ = ["PROVISIONERS"]

# Template properties that are SNS topic attributes of the same name.
_TOPIC_ATTRIBUTES = (
    "ArchivePolicy",
    "ContentBasedDeduplication",
    "DisplayName",
    "FifoTopic",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
)
# Template properties that are SNS subscription attributes of the same name.
_SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
)


def _topic(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("sns")
    name = request.name(
        "TopicName", max_length=256, suffix=".fifo" if is_true(properties.get("FifoTopic")) else ""
    )
    tags = tag_list(properties.get("Tags"))
    arn = client.create_topic(Name=name, Attributes=_attributes(properties, _TOPIC_ATTRIBUTES), Tags=tags)[
        "TopicArn"
    ]
    for subscription in properties.get("Subscription", ()):
        _subscribe(client, arn, subscription)
    return Provisioned(arn, {"TopicArn": arn, "TopicName": name})


def _subscription(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    arn = _subscribe(request.client("sns"), str(properties["TopicArn"]), properties)
    return Provisioned(arn or f"{properties['TopicArn']}:{request.uuid()}")


def _subscribe(client: Any, topic_arn: str, subscription: Mapping[str, Any]) -> str | None:
    if subscription.get("Protocol") != "sqs":
        return None
    response = client.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=str(subscription["Endpoint"]),
        Attributes=_attributes(subscription, _SUBSCRIPTION_ATTRIBUTES),
        ReturnSubscriptionArn=True,
    )
    return str(response["SubscriptionArn"])


def _attributes(properties: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: as_text(properties[name]) for name in names if name in properties}


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SNS::TopicPolicy": recorded_only,
}
