"""Both APIs refuse callers without a valid Cognito ID token, as API Gateway would."""

import asyncio

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.e2e.conftest import SignIn

GARBAGE_TOKEN = "not-a-jwt"


def tampered(token: str) -> str:
    """The same claims with the last signature character changed, so only the signature is wrong."""
    header_and_claims, _, signature = token.rpartition(".")
    return f"{header_and_claims}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"


@pytest.mark.parametrize(
    "authorization", [None, GARBAGE_TOKEN, "tampered"], ids=["missing", "garbage", "tampered-signature"]
)
def test_rest_refuses_a_missing_or_bad_token_with_401(
    rest_url: str, sign_in: SignIn, authorization: str | None
) -> None:
    headers = {}
    if authorization == "tampered":
        headers["Authorization"] = tampered(sign_in("mallory"))
    elif authorization:
        headers["Authorization"] = authorization
    response = requests.get(f"{rest_url}/me", headers=headers, timeout=60)
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized"


def test_rest_public_route_needs_no_token(rest_url: str) -> None:
    assert requests.get(f"{rest_url}/health", timeout=60).status_code == 200


@pytest.mark.parametrize(
    "query", ["", f"?token={GARBAGE_TOKEN}", "tampered"], ids=["missing", "garbage", "tampered"]
)
def test_websocket_connect_refuses_a_missing_or_bad_token_with_401(
    websocket_url: str, sign_in: SignIn, query: str
) -> None:
    if query == "tampered":
        query = f"?token={tampered(sign_in('mallory'))}"

    async def handshake() -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{websocket_url}{query}"):
                pass
        return refused.value.response.status_code

    assert asyncio.run(handshake()) == 401
