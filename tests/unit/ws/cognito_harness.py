"""moto's Cognito as the authorizer tests use it: pools, app clients, users, real RS256 tokens, moto's keys.

moto signs every pool's tokens with one bundled key (moto/cognitoidp/resources/jwks-*.json.gz). Imported
by name from the tests and conftest.py (pytest puts this directory on ``sys.path``).
"""

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import moto.cognitoidp

from corkboard.table_design import ADMIN_GROUP

__all__ = ["PASSWORD", "JwksEndpoint", "UserPools", "create_user_pools", "moto_jwk"]

MOTO_KEYS = Path(moto.cognitoidp.__file__).parent / "resources"
PASSWORD = "Corkboard-Test-1!"


def moto_jwk(name: str) -> dict[str, Any]:
    """One of moto's bundled signing keys: ``jwks-public`` (a set) or ``jwks-private`` (one key)."""
    return json.loads(gzip.decompress((MOTO_KEYS / f"{name}.json.gz").read_bytes()))


@dataclass
class JwksEndpoint:
    """Where the pool's public keys are served, and how many times they were fetched."""

    url: str
    fetches: int = 0


@dataclass(frozen=True)
class UserPools:
    """The stack's pool and app client, plus what a token must not come from: another client, another pool."""

    cognito: Any
    pool_id: str
    client_id: str
    other_client_id: str
    other_pool_id: str
    other_pool_client_id: str

    def tokens(
        self, email: str, *, pool_id: str | None = None, client_id: str | None = None
    ) -> dict[str, str]:
        """IdToken and AccessToken of a password sign-in (ADMIN_USER_PASSWORD_AUTH)."""
        result = self.cognito.admin_initiate_auth(
            UserPoolId=pool_id or self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return result["AuthenticationResult"]

    def add_user(self, email: str, *, pool_id: str | None = None, groups: tuple[str, ...] = ()) -> str:
        """Create a confirmed user and return their ``sub``."""
        pool = pool_id or self.pool_id
        created = self.cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}],
            MessageAction="SUPPRESS",
        )
        self.cognito.admin_set_user_password(
            UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
        return next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")


def create_user_pools(cognito: Any) -> UserPools:
    """Two e-mail sign-in pools with an admins group and two app clients each, as the stack's is set up."""
    pool_id, client_id, other_client_id = _pool(cognito, "corkboard")
    other_pool_id, other_pool_client_id, _ = _pool(cognito, "elsewhere")
    return UserPools(cognito, pool_id, client_id, other_client_id, other_pool_id, other_pool_client_id)


def _pool(cognito: Any, name: str) -> tuple[str, str, str]:
    pool_id = cognito.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool_id, GroupName=ADMIN_GROUP)
    clients = [
        cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"{name}-{index}",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for index in range(2)
    ]
    return pool_id, clients[0], clients[1]
