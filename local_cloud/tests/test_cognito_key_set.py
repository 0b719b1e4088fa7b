"""The local Cognito authorizer's key set: fetched once, refetched for an unknown key id at most once per
cooldown, so a stream of forged ``kid``s cannot turn every request into a JWKS download."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.ports import LOOPBACK
from cdk_local_cloud.gateway.rest.cognito_authorizer import (
    JWKS_REFETCH_COOLDOWN_SECONDS,
    CognitoTokenVerifier,
    TokenRejectedError,
)

POOL_ID = f"{REGION}_KeySetPool"
CLIENT_ID = "keysetclient"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{FAKE_ACCOUNT_ID}:userpool/{POOL_ID}"


@dataclass
class CountingJwks:
    """The embedded AWS's JWKS endpoint, counting downloads; ``keys`` may change (a key rotation)."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    downloads: int = 0

    async def serve(self, _: web.Request) -> web.Response:
        self.downloads += 1
        public_keys = [
            {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256"}
            for kid, key in self.keys.items()
        ]
        return web.json_response({"keys": public_keys})


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _id_token(key: rsa.RSAPrivateKey, kid: str) -> str:
    claims = {
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}",
        "aud": CLIENT_ID,
        "sub": "user-1",
        "token_use": "id",
        "exp": int(time.time()) + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@asynccontextmanager
async def _served(jwks: CountingJwks) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get(f"/{POOL_ID}/.well-known/jwks.json", jwks.serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, 0)
    await site.start()
    try:
        yield f"http://{LOOPBACK}:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def _verifier(endpoint_url: str, clock: Callable[[], float]) -> CognitoTokenVerifier:
    client = Resource("Stack", "Client", "AWS::Cognito::UserPoolClient", {"UserPoolId": POOL_ID}, CLIENT_ID)
    deployment = Deployment(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        aws_endpoint_url=endpoint_url,
        cdk_out=Path("cdk.out"),
        resources=(client,),
        outputs={},
        asset_paths={},
    )
    return CognitoTokenVerifier(deployment, clock=clock)


async def _refused(verifier: CognitoTokenVerifier, token: str) -> bool:
    try:
        await verifier.verify(token, [POOL_ARN])
    except TokenRejectedError:
        return True
    return False


def test_unknown_key_ids_refetch_the_key_set_at_most_once_per_cooldown() -> None:
    signing_key = _new_key()
    jwks = CountingJwks(keys={"current": signing_key})
    clock = FakeClock()

    async def scenario() -> dict[str, Any]:
        async with _served(jwks) as endpoint_url:
            verifier = _verifier(endpoint_url, clock)
            seen: dict[str, Any] = {}
            claims = await verifier.verify(_id_token(signing_key, "current"), [POOL_ARN])
            seen["first token"] = (claims["sub"], jwks.downloads)
            forged = [await _refused(verifier, _id_token(_new_key(), f"forged-{n}")) for n in range(20)]
            seen["forged kids"] = (all(forged), jwks.downloads)
            await verifier.verify(_id_token(signing_key, "current"), [POOL_ARN])
            seen["known kid again"] = jwks.downloads

            rotated = _new_key()
            jwks.keys["rotated"] = rotated
            clock.now += JWKS_REFETCH_COOLDOWN_SECONDS + 1
            claims = await verifier.verify(_id_token(rotated, "rotated"), [POOL_ARN])
            seen["rotated key after the cooldown"] = (claims["sub"], jwks.downloads)
            return seen

    seen = asyncio.run(scenario())

    assert seen["first token"] == ("user-1", 1)
    assert seen["forged kids"] == (True, 1), "20 unknown kids within the cooldown: no download"
    assert seen["known kid again"] == 1
    assert seen["rotated key after the cooldown"] == ("user-1", 2)


@pytest.mark.parametrize("cooldown_passed", [False, True])
def test_a_key_that_appears_is_found_only_once_the_cooldown_allows_a_refetch(cooldown_passed: bool) -> None:
    jwks = CountingJwks(keys={"current": _new_key()})
    clock = FakeClock()
    rotated = _new_key()

    async def scenario() -> bool:
        async with _served(jwks) as endpoint_url:
            verifier = _verifier(endpoint_url, clock)
            assert await _refused(verifier, _id_token(_new_key(), "forged"))
            jwks.keys["rotated"] = rotated
            if cooldown_passed:
                clock.now += JWKS_REFETCH_COOLDOWN_SECONDS + 1
            return await _refused(verifier, _id_token(rotated, "rotated"))

    assert asyncio.run(scenario()) is not cooldown_passed
