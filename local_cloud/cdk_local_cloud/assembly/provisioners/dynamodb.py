"""DynamoDB tables on moto, with the template's keys, indexes, billing mode, stream and TTL."""

from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.assembly.provisioners.api_arguments import api_arguments, is_true, renamed
from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _table(request: ProvisionRequest) -> Provisioned:
    properties = request.properties
    client = request.client("dynamodb")
    name = request.name("TableName", max_length=255)
    arguments = api_arguments(client, "CreateTable", {**_table_arguments(properties), "TableName": name})
    description = client.create_table(**arguments)["TableDescription"]
    _enable_time_to_live(client, name, properties.get("TimeToLiveSpecification"))
    return Provisioned(name, _attributes(description))


def _global_table(request: ProvisionRequest) -> Provisioned:
    """A global table becomes one table in the emulated region; its replicas are all that region."""
    provisioned = _table(request)
    return Provisioned(
        provisioned.physical_id, {**provisioned.attributes, "TableId": provisioned.physical_id}
    )


def _table_arguments(properties: Mapping[str, Any]) -> dict[str, Any]:
    arguments = dict(properties)
    if "SSESpecification" in properties:
        arguments["SSESpecification"] = renamed(properties["SSESpecification"], {"SSEEnabled": "Enabled"})
    if "StreamSpecification" in properties:
        # The template's mere StreamSpecification means "enabled"; the API wants that said.
        arguments["StreamSpecification"] = {**properties["StreamSpecification"], "StreamEnabled": True}
    if "BillingMode" not in properties and "ProvisionedThroughput" not in properties:
        # Capacity settings (a global table's WriteProvisionedThroughputSettings) mean nothing locally.
        arguments["BillingMode"] = "PAY_PER_REQUEST"
    return arguments


def _enable_time_to_live(client: Any, table_name: str, specification: Mapping[str, Any] | None) -> None:
    if not specification or not is_true(specification.get("Enabled")):
        return
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"AttributeName": specification["AttributeName"], "Enabled": True},
    )


def _attributes(description: Mapping[str, Any]) -> dict[str, Any]:
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    return attributes


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::DynamoDB::GlobalTable": _global_table,
}
