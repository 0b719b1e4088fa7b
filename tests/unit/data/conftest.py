"""Fixtures for the repository's tests: a raw DynamoDB client to inspect what it stored.

The data layer under the repository, dynamo_odm, has its own tests in tests/odm.
"""

from typing import Any

import boto3
import pytest


@pytest.fixture
def dynamodb(aws: Any) -> Any:
    """A plain client for looking behind the repository's back."""
    return boto3.client("dynamodb", region_name=aws.region)


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
