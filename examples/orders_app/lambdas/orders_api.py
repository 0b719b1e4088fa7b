"""The orders API Lambda (entry point ``orders_api.handler``): read one order, place one.

Powertools routes the proxy event and validates the body against ``NewOrder``, so a bad body is
answered with 422 before this code runs; the caller is the ``sub`` claim the Cognito authorizer verified.
"""

import os
from functools import cache
from typing import Any
from uuid import uuid4

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

__all__ = ["NewOrder", "Order", "app", "handler"]

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver(enable_validation=True)


class NewOrder(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1000)


class Order(NewOrder):
    order_id: str
    customer_id: str


@cache
def _orders_table() -> Any:
    # Created on first use, not at import, so a cold start pays for it only when a request needs it.
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> Order:
    item = _orders_table().get_item(Key={"order_id": order_id}).get("Item")
    if item is None:
        raise NotFoundError(f"Order {order_id} does not exist.")
    return Order.model_validate(item)


@app.get("/health")
def health() -> dict[str, str]:
    """The one public route: a liveness check that reads nothing."""
    return {"status": "ok"}


@app.post("/orders", status_code=201)
def place_order(new_order: NewOrder) -> Order:
    customer_id = app.current_event.request_context.authorizer.claims["sub"]
    order = Order(order_id=str(uuid4()), customer_id=customer_id, **new_order.model_dump())
    _orders_table().put_item(Item=order.model_dump())
    return order


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
