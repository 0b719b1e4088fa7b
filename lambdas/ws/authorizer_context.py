"""The identity the $connect authorizer hands to every later route of the connection, both ways.

API Gateway keeps the authorizer's ``context`` for the connection's lifetime and passes it as
``requestContext.authorizer`` on $connect, every message and $disconnect. Its values may only be strings,
numbers or booleans, so groups travel as ``"a,b"``. Writing and reading it in one module keeps the two
sides from drifting apart.

Example:
    >>> context = context_for({"sub": "u-1", "email": "ada@example.com", "cognito:groups": ["admins"]})
    >>> context
    {'userId': 'u-1', 'groups': 'admins', 'email': 'ada@example.com'}
    >>> caller_from_context(context).is_admin
    True
"""

from collections.abc import Mapping
from typing import Any

from corkboard.identity import Caller, caller_from_claims, parse_groups

__all__ = ["caller_from_context", "context_for"]


def context_for(claims: Mapping[str, Any]) -> dict[str, str]:
    """The authorizer context for a verified token's claims."""
    context = {
        "userId": str(claims["sub"]),
        "groups": ",".join(sorted(parse_groups(claims.get("cognito:groups")))),
    }
    email = claims.get("email")
    if isinstance(email, str) and email:
        context["email"] = email
    return context


def caller_from_context(context: Mapping[str, Any] | None) -> Caller:
    """The caller a WebSocket event acts for; UnauthorizedError if no authorizer context came with it."""
    context = context or {}
    return caller_from_claims(
        {"sub": context.get("userId"), "email": context.get("email"), "cognito:groups": context.get("groups")}
    )
