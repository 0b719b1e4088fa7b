"""Fixtures for the data-layer tests: a raw DynamoDB client to inspect what was stored, and an ODM table."""

from typing import Any

import boto3
import pytest

from corkboard.odm import CursorCodec, Table
from corkboard.repository import TABLE_SCHEMA


@pytest.fixture
def dynamodb(aws: Any) -> Any:
    """A plain client for looking behind the repository's back."""
    return boto3.client("dynamodb", region_name=aws.region)


@pytest.fixture
def table(aws: Any) -> Table:
    """The generic model layer over the main table, for tests of the layer itself."""
    return Table(aws.table_name, TABLE_SCHEMA, cursors=CursorCodec(aws.cursor_key))


def partition_items(dynamodb: Any, table_name: str, partition: str) -> list[dict[str, Any]]:
    """Every item in a partition, read with Queries (the only way the code reads, too)."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": partition}},
        "ConsistentRead": True,
    }
    while True:
        response = dynamodb.query(**request)
        items.extend(response["Items"])
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
