"""The WebSocket connections table as the stack creates it (keys and TTL from ``corkboard.table_design``).

Shared by the ``connections_table`` fixture (tests/unit/conftest.py) and bench/fanout.py.
"""

from typing import Any

from corkboard.table_design import CONNECTIONS_PARTITION_KEY, CONNECTIONS_SORT_KEY, CONNECTIONS_TTL_ATTRIBUTE

__all__ = ["CONNECTIONS_TABLE_NAME", "create_connections_table"]

CONNECTIONS_TABLE_NAME = "corkboard-test-connections"


def create_connections_table(dynamodb: Any, name: str = CONNECTIONS_TABLE_NAME) -> str:
    """Create the table with a low-level DynamoDB client (moto's, in tests) and return its name."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": key, "AttributeType": "S"}
            for key in (CONNECTIONS_PARTITION_KEY, CONNECTIONS_SORT_KEY)
        ],
        KeySchema=[
            {"AttributeName": CONNECTIONS_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": CONNECTIONS_SORT_KEY, "KeyType": "RANGE"},
        ],
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": CONNECTIONS_TTL_ATTRIBUTE},
    )
    return name
