"""Rewrites AWS-form API Gateway URLs to the local gateway, so values from the template work on localhost.

A template builds ``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`` (and ``wss://`` for
WebSocket APIs). Locally every API is served by one gateway at ``http://127.0.0.1:{port}/{api-id}/{stage}``.
"""

import re

__all__ = ["localize_execute_api_urls"]

_EXECUTE_API_URL = re.compile(
    r"(?P<scheme>https|wss)://(?P<api_id>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com"
)
_LOCAL_SCHEMES = {"https": "http", "wss": "ws"}


def localize_execute_api_urls(text: str, gateway_host: str) -> str:
    """Points every execute-api URL in ``text`` at ``gateway_host`` (``127.0.0.1:PORT``), keeping the path."""
    return _EXECUTE_API_URL.sub(
        lambda match: f"{_LOCAL_SCHEMES[match['scheme']]}://{gateway_host}/{match['api_id']}", text
    )
