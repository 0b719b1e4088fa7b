"""Verification of Cognito ID tokens with PyJWT: signature against the pool's JWKS, then the claims.

A token is accepted only if all of these hold: it is RS256-signed by a key in the pool's JWKS; ``iss``
is the pool; ``aud`` is the app client; ``token_use`` is ``id`` (an access token has no ``aud`` and a
different ``token_use``); ``exp`` has not passed and ``iat``/``nbf`` are not in the future, each within
:data:`LEEWAY_SECONDS` of clock skew. The JWKS is fetched once per container and cached; an unknown
``kid`` triggers at most one refetch per cooldown (PyJWT's), so rotated keys are picked up and a flood of
forged ``kid`` values cannot hammer Cognito.

PyJWT (with ``cryptography``) comes from the authorizer's own layer (``lambdas/layers/auth``); only the
authorizer imports this module, and it needs it on every invocation, so it is imported at module load,
during the cold start's init phase.

Example:
    >>> claims = IdTokenVerifier.for_user_pool("eu-west-1_AbC123", "client-id").verify(token)
    >>> claims["sub"], claims["token_use"]
    ('0f3c...', 'id')
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

__all__ = [
    "JWKS_CACHE_SECONDS",
    "JWKS_TIMEOUT_SECONDS",
    "LEEWAY_SECONDS",
    "IdTokenVerifier",
    "InvalidUserPoolIdError",
    "TokenRejectedError",
    "issuer_of",
]

LEEWAY_SECONDS = 10
# Cognito rotates signing keys rarely; an unknown kid refreshes the set sooner anyway.
JWKS_CACHE_SECONDS = 3600
# An authorizer has seconds to answer before API Gateway gives up on it.
JWKS_TIMEOUT_SECONDS = 3

_ALGORITHMS = ["RS256"]
_ID_TOKEN_USE = "id"  # noqa: S105 - the value of the token_use claim, not a secret
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "token_use"]


class TokenRejectedError(Exception):
    """The token is not a valid ID token of this user pool and app client; the message says why."""


class InvalidUserPoolIdError(ValueError):
    """A user pool id without its region prefix (``{region}_{id}``)."""

    def __init__(self, user_pool_id: str) -> None:
        super().__init__(
            f"User pool id {user_pool_id!r} is not of the form '{{region}}_{{id}}'. "
            "Set USER_POOL_ID to the pool's id as Cognito shows it, e.g. 'eu-west-1_AbC123'."
        )


def issuer_of(user_pool_id: str) -> str:
    """The ``iss`` of the pool's tokens; the pool's region is the prefix of its id."""
    region, separator, _ = user_pool_id.partition("_")
    if not separator or not region:
        raise InvalidUserPoolIdError(user_pool_id)
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


@dataclass(frozen=True)
class IdTokenVerifier:
    """Checks ID tokens of one user pool and app client against the pool's keys."""

    issuer: str
    client_id: str
    keys: jwt.PyJWKClient

    @classmethod
    def for_user_pool(
        cls, user_pool_id: str, client_id: str, jwks_url: str | None = None
    ) -> "IdTokenVerifier":
        """A verifier for the pool; ``jwks_url`` overrides where keys are fetched (default: Cognito)."""
        issuer = issuer_of(user_pool_id)
        keys = jwt.PyJWKClient(
            jwks_url or f"{issuer}/.well-known/jwks.json",
            cache_keys=True,
            lifespan=JWKS_CACHE_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
        )
        return cls(issuer=issuer, client_id=client_id, keys=keys)

    def verify(self, token: str) -> Mapping[str, Any]:
        """The token's claims if it is a valid ID token; TokenRejectedError otherwise.

        Failing to reach the JWKS is not the token's fault: PyJWKClientConnectionError propagates.
        """
        try:
            signing_key = self.keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=_ALGORITHMS,
                audience=self.client_id,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientConnectionError:
            raise
        except jwt.PyJWTError as error:
            raise TokenRejectedError(f"{type(error).__name__}: {error}") from error
        if claims["token_use"] != _ID_TOKEN_USE:
            raise TokenRejectedError(f"token_use is {claims['token_use']!r}; only ID tokens are accepted")
        return claims
