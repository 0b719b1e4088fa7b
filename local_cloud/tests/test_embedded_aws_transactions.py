"""TransactWriteItems on the embedded AWS: all or nothing, as in DynamoDB, without copying whole tables."""

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from cdk_local_cloud.embedded_aws.dynamodb_transactions import install_in_place_rollback

TABLE = "transactions"
MISSING = {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#missing"}}


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-process moto with the rollback installed, and a table with a stream holding two items."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    install_in_place_rollback()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for sk, title in (("TASK#kept", "kept"), ("TASK#edited", "draft")):
            client.put_item(
                TableName=TABLE, Item={"pk": {"S": "BOARD#1"}, "sk": {"S": sk}, "title": {"S": title}}
            )
        yield client


def _items(client: Any) -> dict[str, dict[str, Any]]:
    return {item["sk"]["S"]: item for item in client.scan(TableName=TABLE)["Items"]}


def _stream_records() -> list[Any]:
    """The table's stream shard as moto holds it (what the local cloud's stream readers read)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[TABLE]
    return list(table.stream_shard.items)


def test_a_failed_transaction_puts_back_every_item_it_wrote_and_leaves_no_record(dynamodb: Any) -> None:
    before = _items(dynamodb)
    records_before = len(_stream_records())
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#new"}}}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#edited"}},
                        "UpdateExpression": "SET title = :title",
                        "ExpressionAttributeValues": {":title": {"S": "final"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#kept"}}}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": MISSING,
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )

    assert _items(dynamodb) == before
    assert len(_stream_records()) == records_before


def test_a_transaction_that_succeeds_writes_everything(dynamodb: Any) -> None:
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#new"}}}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#kept"}}}},
        ]
    )

    assert set(_items(dynamodb)) == {"TASK#edited", "TASK#new"}


def test_no_transaction_copies_a_whole_table(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto copied each named table once per item written, failed or not: the cost grew with the table."""
    copied: list[type] = []
    real_deepcopy = copy.deepcopy

    def recording_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        copied.append(type(value))
        return real_deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", recording_deepcopy)
    put = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "BOARD#1"}, "sk": {"S": "TASK#new"}}}}
    dynamodb.transact_write_items(TransactItems=[put])
    check = {
        "ConditionCheck": {"TableName": TABLE, "Key": MISSING, "ConditionExpression": "attribute_exists(pk)"}
    }
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        dynamodb.transact_write_items(TransactItems=[check])

    assert copied, "the journal copies the items a transaction names"
    assert Table not in copied
