"""The example's Lambda code on moto: what a customer gets back from GET and POST /orders."""

import importlib
import json
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.unit.lambda_context import LambdaContextDouble

TABLE_NAME = "orders-test"
CUSTOMER = "customer-sub-1"
_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "TABLE_NAME": TABLE_NAME,
    "POWERTOOLS_SERVICE_NAME": "orders",
}


@pytest.fixture(scope="module")
def orders_api() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in _ENVIRONMENT.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        boto3.client("dynamodb").create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield importlib.import_module("examples.orders_app.lambdas.orders_api")


def _call(orders_api: ModuleType, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "stage": "v1",
            "requestId": str(uuid.uuid4()),
            "authorizer": {"claims": {"sub": CUSTOMER}},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
    response = orders_api.handler(event, LambdaContextDouble())
    return int(response["statusCode"]), json.loads(response["body"])


def test_placed_order_belongs_to_the_caller_and_reads_back(orders_api: ModuleType) -> None:
    status, placed = _call(orders_api, "POST", "/orders", {"item": "coffee beans", "quantity": 2})

    assert status == 201
    assert placed == {
        "item": "coffee beans",
        "quantity": 2,
        "order_id": placed["order_id"],
        "customer_id": CUSTOMER,
    }
    assert _call(orders_api, "GET", f"/orders/{placed['order_id']}") == (200, placed)


def test_the_health_check_answers_with_nothing_about_anyone(orders_api: ModuleType) -> None:
    assert _call(orders_api, "GET", "/health") == (200, {"status": "ok"})


def test_unknown_order_is_404(orders_api: ModuleType) -> None:
    status, body = _call(orders_api, "GET", "/orders/no-such-order")

    assert status == 404
    assert body["message"] == "Order no-such-order does not exist."


@pytest.mark.parametrize(
    "body", [{"item": "", "quantity": 1}, {"item": "tea", "quantity": 0}, {"item": "tea"}, {"quantity": 1}]
)
def test_invalid_order_is_refused_with_422(orders_api: ModuleType, body: dict[str, Any]) -> None:
    status, _ = _call(orders_api, "POST", "/orders", body)

    assert status == 422
