"""API Gateway's Cognito user pool authorizer, checked for real against the embedded AWS's user pools.

A token passes only if it is an RS256 JWT signed by a key from its pool's JWKS (fetched from moto
server), issued by one of the authorizer's pools, unexpired, for an app client of that pool, and of the
right kind: an ID token, or an access token carrying one of the method's scopes when the method lists
scopes. The claims then reach the function the way API Gateway renders them: every value a string.
"""

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from cdk_local_cloud.contracts.deployment import Deployment

__all__ = [
    "JWKS_REFETCH_COOLDOWN_SECONDS",
    "CognitoTokenVerifier",
    "JwksUnavailableError",
    "TokenRejectedError",
    "render_claims",
]

_USER_POOL_ARN = re.compile(r"^arn:[^:]+:cognito-idp:(?P<region>[^:]+):[^:]*:userpool/(?P<pool_id>.+)$")
_UNAUTHORIZED = "Unauthorized"
_EXPIRED = "The incoming token has expired"
# API Gateway shows the time claims as Java's Date.toString() in UTC, e.g. "Tue Apr 04 18:39:39 UTC 2023".
_DATE_CLAIMS = frozenset({"exp", "iat"})
_JAVA_DATE_FORMAT = "%a %b %d %H:%M:%S UTC %Y"
_JWKS_TIMEOUT_SECONDS = 10
# An unknown kid refetches the key set (a rotation), but no more often than this: forged kids cost nothing.
JWKS_REFETCH_COOLDOWN_SECONDS = 30.0


class TokenRejectedError(Exception):
    """The authorizer refuses the request's token; the message is what API Gateway tells the client."""


class JwksUnavailableError(RuntimeError):
    """The user pool's signing keys could not be fetched from the embedded AWS."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(
            f"Could not fetch the user pool's signing keys from {url} ({problem}). "
            "Check that the embedded AWS (moto server) is still running."
        )


@dataclass(frozen=True)
class _UserPool:
    pool_id: str
    region: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


class CognitoTokenVerifier:
    """Verifies tokens for every Cognito authorizer of a deployment; caches each pool's JWKS.

    ``clock`` (seconds, monotonic) times the refetch cooldown; tests pass their own.
    """

    def __init__(self, deployment: Deployment, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._aws_endpoint_url = deployment.aws_endpoint_url.rstrip("/")
        self._clock = clock
        self._client_ids: dict[str, set[str]] = {}
        for client in deployment.of_type("AWS::Cognito::UserPoolClient"):
            pool_id = str(client.properties.get("UserPoolId"))
            self._client_ids.setdefault(pool_id, set()).add(client.physical_id)
        self._key_sets: dict[str, jwt.PyJWKSet] = {}
        self._fetched_at: dict[str, float] = {}

    async def verify(
        self,
        authorization: str | None,
        provider_arns: Sequence[str],
        *,
        scopes: Sequence[str] = (),
        audience_pattern: str | None = None,
    ) -> dict[str, str]:
        """The rendered claims of a valid token; raises :class:`TokenRejectedError` otherwise."""
        token = _bare_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRejectedError(_UNAUTHORIZED) from None
        pool = _issuing_pool(unverified.get("iss"), provider_arns)
        key = await self._signing_key(pool, header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=pool.issuer,
                options={"require": ["exp", "iss", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejectedError(_EXPIRED) from None
        except jwt.PyJWTError:
            raise TokenRejectedError(_UNAUTHORIZED) from None
        self._check_client(claims, pool, audience_pattern)
        _check_kind(claims, scopes)
        return render_claims(claims)

    def _check_client(self, claims: Mapping[str, Any], pool: _UserPool, audience_pattern: str | None) -> None:
        client_id = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
        if client_id not in self._client_ids.get(pool.pool_id, set()):
            raise TokenRejectedError(_UNAUTHORIZED)
        if audience_pattern and not re.fullmatch(audience_pattern, str(client_id)):
            raise TokenRejectedError(_UNAUTHORIZED)

    async def _signing_key(self, pool: _UserPool, key_id: Any) -> jwt.PyJWK:
        """The pool's key ``key_id``; a kid the cached set lacks refetches it, once per cooldown."""
        key_set = self._key_sets.get(pool.pool_id)
        if key_set is None:
            key_set = await self._refresh_key_set(pool)
        key = _key_of(key_set, key_id)
        if key is None and self._clock() - self._fetched_at[pool.pool_id] >= JWKS_REFETCH_COOLDOWN_SECONDS:
            key = _key_of(await self._refresh_key_set(pool), key_id)
        if key is None:
            raise TokenRejectedError(_UNAUTHORIZED)
        return key

    async def _refresh_key_set(self, pool: _UserPool) -> jwt.PyJWKSet:
        key_set = self._key_sets[pool.pool_id] = await self._fetch_key_set(pool)
        self._fetched_at[pool.pool_id] = self._clock()
        return key_set

    async def _fetch_key_set(self, pool: _UserPool) -> jwt.PyJWKSet:
        # moto server picks the service by Host, as AWS would by domain name.
        url = f"{self._aws_endpoint_url}/{pool.pool_id}/.well-known/jwks.json"
        headers = {"Host": f"cognito-idp.{pool.region}.amazonaws.com"}
        timeout = aiohttp.ClientTimeout(total=_JWKS_TIMEOUT_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers) as response,
            ):
                response.raise_for_status()
                return jwt.PyJWKSet.from_dict(await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, jwt.PyJWTError, ValueError) as error:
            raise JwksUnavailableError(url, str(error) or type(error).__name__) from error


def render_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them in ``requestContext.authorizer.claims``: all strings.

    Lists are joined with commas (``cognito:groups`` of two groups is ``"admins,editors"``), booleans are
    ``"true"``/``"false"``, and ``exp``/``iat`` are dates like ``"Tue Apr 04 18:39:39 UTC 2023"``.
    """
    return {name: _render_claim(name, value) for name, value in claims.items()}


def _render_claim(name: str, value: Any) -> str:
    if name in _DATE_CLAIMS and isinstance(value, int | float):
        return time.strftime(_JAVA_DATE_FORMAT, time.gmtime(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_render_claim("", item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _key_of(key_set: jwt.PyJWKSet, key_id: Any) -> jwt.PyJWK | None:
    return next((key for key in key_set.keys if key.key_id == key_id), None)


def _bare_token(authorization: str | None) -> str:
    """The token of an Authorization header; API Gateway accepts it with or without ``Bearer``."""
    token = (authorization or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise TokenRejectedError(_UNAUTHORIZED)
    return token


def _issuing_pool(issuer: Any, provider_arns: Sequence[str]) -> _UserPool:
    for arn in provider_arns:
        match = _USER_POOL_ARN.match(arn)
        if match:
            pool = _UserPool(pool_id=match["pool_id"], region=match["region"])
            if pool.issuer == issuer:
                return pool
    raise TokenRejectedError(_UNAUTHORIZED)


def _check_kind(claims: Mapping[str, Any], scopes: Sequence[str]) -> None:
    """Without method scopes only ID tokens pass; with scopes, only access tokens granting one of them."""
    if not scopes:
        if claims.get("token_use") != "id":
            raise TokenRejectedError(_UNAUTHORIZED)
        return
    granted = str(claims.get("scope", "")).split()
    if claims.get("token_use") != "access" or not set(granted) & set(scopes):
        raise TokenRejectedError(_UNAUTHORIZED)
