"""SQS queues on moto with the template's attributes (redrive policy and FIFO settings included).

Queue policies are recorded only: they let other services (S3, SNS) send, which moto needs no grant for.
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.cfn_text import as_text
from cdk_local_cloud.assembly.provisioners.api_arguments import is_true, tag_mapping
from cdk_local_cloud.assembly.provisioners.request import (
    Provisioned,
    Provisioner,
    ProvisionRequest,
    recorded_only,
)

__all__ = ["PROVISIONERS"]

# Template properties that are SQS queue attributes of the same name.
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def _queue(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("sqs")
    name = request.name(
        "QueueName", max_length=80, suffix=".fifo" if is_true(properties.get("FifoQueue")) else ""
    )
    attributes = {key: as_text(properties[key]) for key in _QUEUE_ATTRIBUTES if key in properties}
    url = client.create_queue(
        QueueName=name, Attributes=attributes, tags=tag_mapping(properties.get("Tags"))
    )["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Provisioned(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::SQS::Queue": _queue,
    "AWS::SQS::QueuePolicy": recorded_only,
}
