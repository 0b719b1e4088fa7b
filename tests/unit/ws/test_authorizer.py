"""The $connect authorizer with real Cognito ID tokens (moto, RS256): who gets in, who gets a 401, and why.

API Gateway answers 401 when an authorizer fails with the message ``Unauthorized``; every refusal here
must be exactly that, and must never be an Allow.
"""

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cognito_harness import JwksEndpoint, UserPools, moto_jwk
from cryptography.hazmat.primitives.asymmetric import rsa
from ws_harness import METHOD_ARN, authorize

from corkboard.table_design import ADMIN_GROUP, ENV_JWKS_URL
from ws.authorizer import UNAUTHORIZED, UnauthorizedConnectionError, verifier
from ws.id_tokens import LEEWAY_SECONDS

EMAIL = "ada@example.com"


@pytest.fixture
def ada(user_pools: UserPools) -> str:
    """A user of the stack's pool, in the admins group; returns their sub."""
    return user_pools.add_user(EMAIL, groups=(ADMIN_GROUP,))


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _sign(claims: dict[str, Any], key: Any = None, kid: str = "dummy") -> str:
    """A token signed with moto's own private key (so with the pool's key) unless ``key`` is given."""
    signing_key = key if key is not None else jwt.PyJWK(moto_jwk("jwks-private")).key
    return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": kid})


def _refused(token: str | None) -> str:
    with pytest.raises(UnauthorizedConnectionError) as refused:
        authorize(token)
    assert str(refused.value) == UNAUTHORIZED
    return refused.value.reason


def test_a_valid_id_token_is_allowed_on_exactly_this_route(user_pools: UserPools, ada: str) -> None:
    token = user_pools.tokens(EMAIL)["IdToken"]

    response = authorize(token)

    assert response == {
        "principalId": ada,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [METHOD_ARN]}],
        },
        "context": {"userId": ada, "groups": ADMIN_GROUP, "email": EMAIL},
    }


def test_the_context_holds_only_values_api_gateway_accepts(user_pools: UserPools, ada: str) -> None:
    context = authorize(user_pools.tokens(EMAIL)["IdToken"])["context"]

    assert all(isinstance(value, str | int | bool) for value in context.values())


def test_a_user_in_no_group_gets_an_empty_group_list(user_pools: UserPools) -> None:
    sub = user_pools.add_user("bob@example.com")

    context = authorize(user_pools.tokens("bob@example.com")["IdToken"])["context"]

    assert context == {"userId": sub, "groups": "", "email": "bob@example.com"}


def test_the_jwks_is_fetched_once_per_container(user_pools: UserPools, ada: str, jwks: JwksEndpoint) -> None:
    for _ in range(3):
        authorize(user_pools.tokens(EMAIL)["IdToken"])

    assert jwks.fetches == 1


@pytest.mark.parametrize("token", [None, ""], ids=["no query string", "empty"])
def test_a_missing_token_is_refused(user_pools: UserPools, token: str | None) -> None:
    assert "no token" in _refused(token)


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30."], ids=str)
def test_garbage_is_refused(user_pools: UserPools, token: str) -> None:
    _refused(token)


def test_an_expired_token_is_refused(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])
    now = int(time.time())
    expired = _sign({**claims, "iat": now - 7200, "exp": now - LEEWAY_SECONDS - 1})

    assert "ExpiredSignatureError" in _refused(expired)


def test_a_token_issued_in_the_future_is_refused(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])
    now = int(time.time())
    future = _sign({**claims, "iat": now + 600, "exp": now + 4200})

    assert "ImmatureSignatureError" in _refused(future)


def test_a_token_of_another_app_client_is_refused(user_pools: UserPools, ada: str) -> None:
    token = user_pools.tokens(EMAIL, client_id=user_pools.other_client_id)["IdToken"]

    assert "InvalidAudienceError" in _refused(token)


def test_a_token_of_another_user_pool_is_refused(user_pools: UserPools) -> None:
    # moto signs every pool with the same key, so only the issuer tells the pools apart: exactly the check.
    user_pools.add_user(EMAIL, pool_id=user_pools.other_pool_id)
    token = user_pools.tokens(
        EMAIL, pool_id=user_pools.other_pool_id, client_id=user_pools.other_pool_client_id
    )["IdToken"]

    assert "InvalidIssuerError" in _refused(token)


def test_a_token_of_another_pool_with_our_audience_is_refused_for_its_issuer(
    user_pools: UserPools, ada: str
) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])
    foreign_issuer = claims["iss"].replace(user_pools.pool_id, user_pools.other_pool_id)

    assert "InvalidIssuerError" in _refused(_sign({**claims, "iss": foreign_issuer}))


def test_an_access_token_is_refused(user_pools: UserPools, ada: str) -> None:
    access_token = user_pools.tokens(EMAIL)["AccessToken"]

    assert 'missing the "aud" claim' in _refused(access_token)


def test_an_access_token_is_refused_even_with_our_audience(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["AccessToken"])
    disguised = _sign({**claims, "aud": user_pools.client_id})

    assert "token_use is 'access'" in _refused(disguised)


def _with_other_subject(token: str) -> str:
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"sub":"', b'"sub":"x')
    ).decode()
    return f"{header}.{forged}.{signature}"


def _with_flipped_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return f"{header}.{payload}.{flipped}"


@pytest.mark.parametrize(
    "tamper", [_with_other_subject, _with_flipped_signature], ids=["payload", "signature"]
)
def test_a_tampered_token_is_refused(user_pools: UserPools, ada: str, tamper: Callable[[str], str]) -> None:
    token = user_pools.tokens(EMAIL)["IdToken"]

    assert "InvalidSignatureError" in _refused(tamper(token))


def test_a_token_signed_by_another_key_is_refused(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert "signing key" in _refused(_sign(claims, key=attacker_key, kid="attacker"))


def test_a_token_under_our_kid_but_signed_by_another_key_is_refused(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert "InvalidSignatureError" in _refused(_sign(claims, key=attacker_key))


def test_an_unsigned_token_is_refused(user_pools: UserPools, ada: str) -> None:
    claims = _claims(user_pools.tokens(EMAIL)["IdToken"])

    _refused(jwt.encode(claims, key=None, algorithm="none"))


def test_an_unreachable_jwks_is_a_server_error_not_a_401(
    user_pools: UserPools, ada: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_JWKS_URL, "http://127.0.0.1:9/.well-known/jwks.json")
    verifier.cache_clear()

    with pytest.raises(jwt.PyJWKClientConnectionError):
        authorize(user_pools.tokens(EMAIL)["IdToken"])
