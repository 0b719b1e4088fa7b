"""Handlers that reach AWS the ways functions do: boto3, and urllib through PyJWT's key client."""

import os
from typing import Any

import boto3
import jwt
from botocore.exceptions import ClientError


def list_tables(event: Any, context: Any) -> dict[str, Any]:
    try:
        return {"tables": boto3.client("dynamodb").list_tables()["TableNames"]}
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}


def user_pool_key_ids(event: Any, context: Any) -> list[str]:
    region = os.environ["AWS_REGION"]
    keys = jwt.PyJWKClient(
        f"https://cognito-idp.{region}.amazonaws.com/{event['user_pool_id']}/.well-known/jwks.json"
    )
    return [key.key_id for key in keys.get_signing_keys()]


def post_to_event_domain(event: Any, context: Any) -> str:
    """The usual WebSocket reply: a client built from the event's domainName and stage, as on AWS."""
    request = event["requestContext"]
    endpoint = f"https://{request['domainName']}/{request['stage']}"
    boto3.client("apigatewaymanagementapi", endpoint_url=endpoint).post_to_connection(
        ConnectionId=request["connectionId"], Data=b"hello"
    )
    return "posted"
