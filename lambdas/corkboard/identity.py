"""Who is calling: the verified Cognito claims that API Gateway's authorizer put on the event.

API Gateway has already checked the token, so this module only reads its claims. It still refuses a
request that carries none (defence in depth: a route wired without the authorizer must not become
anonymous write access).

Example:
    >>> caller = caller_from_claims({"sub": "u-1", "email": "ada@example.com", "cognito:groups": "[admins]"})
    >>> caller.user_id, caller.is_admin
    ('u-1', True)
"""

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from corkboard.errors import UnauthorizedError
from corkboard.table_design import ADMIN_GROUP, ENV_ADMIN_GROUP

__all__ = ["Caller", "admin_group", "caller_from_claims", "parse_groups"]

# API Gateway renders a list claim as "[a b]", the Cognito console as "a,b", and some tools as JSON.
_GROUP_SEPARATORS = re.compile(r"[\s,]+")
_GROUP_DECORATION = "[]\"'"


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in user a request acts for."""

    user_id: str
    email: str | None
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """Admins may read every board (never write to one they are not a member of)."""
        return admin_group() in self.groups


def admin_group() -> str:
    """The Cognito group whose members may read every board; the stack may rename it."""
    return os.environ.get(ENV_ADMIN_GROUP) or ADMIN_GROUP


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """Build the caller from authorizer claims, or refuse with 401 when there is no subject."""
    claims = claims or {}
    user_id = claims.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise UnauthorizedError()
    email = claims.get("email")
    return Caller(
        user_id=user_id,
        email=email if isinstance(email, str) and email else None,
        groups=parse_groups(claims.get("cognito:groups")),
    )


def parse_groups(raw: str | Iterable[str] | None) -> frozenset[str]:
    """Read ``cognito:groups`` in any shape it arrives in: "a", "[a b]", "a,b", '["a","b"]' or a list."""
    if raw is None:
        return frozenset()
    parts = _GROUP_SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    names = (str(part).strip(_GROUP_DECORATION) for part in parts)
    return frozenset(name for name in names if name)
