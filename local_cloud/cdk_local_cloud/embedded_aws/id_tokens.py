"""ID tokens for local users (``cdk-local token``): signs a user in to the local pool, creating it if new.

Each call sets a fresh random password and signs in with it, so no password is stored anywhere.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from cdk_local_cloud.contracts.deployment import Deployment

__all__ = [
    "IssuedToken",
    "UserPoolChoiceError",
    "deployment_pool_and_client",
    "issue_id_token",
    "only_pool_and_client",
]

# Example domain (RFC 2606) for pools that sign in by e-mail: `alice` becomes alice@example.com.
_EXAMPLE_DOMAIN = "example.com"


class UserPoolChoiceError(ValueError):
    """The embedded AWS has no user pool (or client), or several and the caller did not say which."""


@dataclass(frozen=True)
class IssuedToken:
    username: str
    id_token: str
    # Read from the token: a user keeps the groups of earlier sign-ins, which the token carries too.
    groups: tuple[str, ...]


def deployment_pool_and_client(deployment: Deployment) -> tuple[str, str]:
    """The deployment's one user pool and its one app client (moto's state is shared by the process)."""
    pools = [pool.physical_id for pool in deployment.of_type("AWS::Cognito::UserPool")]
    clients = [
        client.physical_id
        for client in deployment.of_type("AWS::Cognito::UserPoolClient")
        if client.properties.get("UserPoolId") in pools
    ]
    if len(pools) != 1 or len(clients) != 1:
        raise UserPoolChoiceError(
            f"The deployment has {len(pools)} user pools and {len(clients)} app clients; sign in with "
            "issue_id_token and the pool and client you mean."
        )
    return pools[0], clients[0]


def only_pool_and_client(cognito: Any) -> tuple[str, str]:
    """The one user pool and its one app client; a clear error if that choice is ambiguous."""
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    if len(pools) != 1:
        raise UserPoolChoiceError(
            f"The local cloud has {len(pools)} user pools; pass --user-pool-id (one of: "
            f"{', '.join(pool['Id'] for pool in pools) or 'none'})."
        )
    pool_id = pools[0]["Id"]
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    if len(clients) != 1:
        raise UserPoolChoiceError(
            f"User pool {pool_id} has {len(clients)} app clients; pass --client-id (one of: "
            f"{', '.join(client['ClientId'] for client in clients) or 'none'})."
        )
    return pool_id, clients[0]["ClientId"]


def issue_id_token(
    cognito: Any, *, user_pool_id: str, client_id: str, user: str, groups: Sequence[str] = ()
) -> IssuedToken:
    """Creates ``user`` if new, puts it in ``groups``, and returns a fresh ID token for it."""
    username = _username(cognito, user_pool_id, user)
    password = _fresh_password()
    if not _exists(cognito, user_pool_id, username):
        attributes = [{"Name": "email", "Value": username}] if "@" in username else []
        cognito.admin_create_user(
            UserPoolId=user_pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
    cognito.admin_set_user_password(
        UserPoolId=user_pool_id, Username=username, Password=password, Permanent=True
    )
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
    signed_in = cognito.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    id_token = signed_in["AuthenticationResult"]["IdToken"]
    return IssuedToken(username, id_token, _carried_groups(id_token))


def _carried_groups(id_token: str) -> tuple[str, ...]:
    """The token's ``cognito:groups``; unverified, since the pool that signed it just handed it over."""
    return tuple(jwt.decode(id_token, options={"verify_signature": False}).get("cognito:groups", ()))


def _username(cognito: Any, user_pool_id: str, user: str) -> str:
    """Pools that sign in by e-mail need an address as the user name."""
    pool = cognito.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]
    if "email" in pool.get("UsernameAttributes", []) and "@" not in user:
        return f"{user}@{_EXAMPLE_DOMAIN}"
    return user


def _exists(cognito: Any, user_pool_id: str, username: str) -> bool:
    try:
        cognito.admin_get_user(UserPoolId=user_pool_id, Username=username)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


def _fresh_password() -> str:
    """Random, and meets any pool policy: upper, lower, digit and symbol, 40+ characters."""
    return f"{secrets.token_urlsafe(30)}Aa1!"
