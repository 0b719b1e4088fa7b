"""A throw-away Cognito user for one smoke run, in the smoke-test group, deleted when the run ends.

Created with the admin API (the operator's credentials), so no e-mail is sent and no password is stored:
each run makes a random one, signs in once with ADMIN_USER_PASSWORD_AUTH, and forgets it.
"""

import secrets
from dataclasses import dataclass
from typing import Any

__all__ = ["SignedInUser", "create_signed_in_user", "delete_user"]

# RFC 2606 reserves example.com, so a smoke user's address can never belong to anyone.
_SMOKE_USER_DOMAIN = "example.com"


@dataclass(frozen=True)
class SignedInUser:
    username: str
    id_token: str


def create_signed_in_user(cognito: Any, *, user_pool_id: str, client_id: str, group: str) -> SignedInUser:
    """Creates, groups and signs in a new user; if any part fails, the user is deleted before raising."""
    username = f"smoke-{secrets.token_hex(6)}@{_SMOKE_USER_DOMAIN}"
    password = f"{secrets.token_urlsafe(30)}Aa1!"
    cognito.admin_create_user(
        UserPoolId=user_pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": username},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    try:
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
        cognito.admin_set_user_password(
            UserPoolId=user_pool_id, Username=username, Password=password, Permanent=True
        )
        signed_in = cognito.admin_initiate_auth(
            UserPoolId=user_pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except Exception:
        delete_user(cognito, user_pool_id=user_pool_id, username=username)
        raise
    return SignedInUser(username, signed_in["AuthenticationResult"]["IdToken"])


def delete_user(cognito: Any, *, user_pool_id: str, username: str) -> None:
    cognito.admin_delete_user(UserPoolId=user_pool_id, Username=username)
