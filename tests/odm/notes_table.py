"""The table dynamo_odm's tests and README samples run against, laid out as the README lays out ``notes``.

``pk``/``sk``, one global secondary index (``by_owner``) and TTL on ``expiresAt``: every feature of the layer
has something to work on, and nothing in it belongs to an application.
"""

from typing import Any

from dynamo_odm import IndexSchema, TableSchema

__all__ = [
    "CURSOR_KEY",
    "FAKE_CREDENTIALS",
    "REGION",
    "SCHEMA",
    "TABLE_NAME",
    "UNSET",
    "create_table",
    "raw_item",
]

REGION = "us-east-1"
TABLE_NAME = "notes"
SCHEMA = TableSchema(
    partition_key="pk",
    sort_key="sk",
    indexes={"by_owner": IndexSchema(partition_key="gsi1pk", sort_key="gsi1sk")},
    ttl_attribute="expiresAt",
)
CURSOR_KEY = b"a test key of at least 16 bytes"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
# Anything that could point boto3 at a real account or at a local cloud.
UNSET = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")


def create_table(dynamodb: Any, name: str = TABLE_NAME) -> str:
    """The table SCHEMA describes (keys, index, TTL), created on whatever DynamoDB ``dynamodb`` reaches."""
    index = SCHEMA.index("by_owner")
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in (*SCHEMA.primary_key, *index.attributes)
        ],
        KeySchema=[
            {"AttributeName": SCHEMA.partition_key, "KeyType": "HASH"},
            {"AttributeName": SCHEMA.sort_key, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_owner",
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": SCHEMA.ttl_attribute}
    )
    return name


def raw_item(dynamodb: Any, pk: str, sk: str = "META") -> dict[str, Any] | None:
    """The item as DynamoDB stores it, read behind the layer's back."""
    return dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
