"""The shared low-level DynamoDB client, created on first use and reused for the container's lifetime.

Created lazily so that importing the data layer builds nothing (a client costs tens of milliseconds), and
cached because building one is far slower than any request it sends. Only the low-level client is used:
``boto3.resource`` loads a much larger service model when it is created.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["dynamodb_client"]


@cache
def dynamodb_client() -> Any:
    """The process-wide DynamoDB client (region and endpoint from the environment, standard retries)."""
    # A private Session sidesteps boto3's default session, whose lazy creation is not thread-safe.
    return boto3.session.Session().client("dynamodb", config=Config(retries={"mode": "standard"}))
