"""Who may do what on a board: roles rank owner > editor > viewer, admins may read everything.

Decisions, kept here so every service answers the same way:

* A stranger (no membership, not an admin) gets **404** for anything on a board, exactly as if the
  board did not exist, so ids cannot be probed for existence.
* A member whose role is too low gets **403**: they already know the board exists.
* An admin who is not a member may read (viewer level) but not write: **403** on a write, since the
  board is visible to them.

Example:
    >>> require_role(caller, membership, Role.EDITOR, board_id="01J...")  # raises or returns None
"""

from corkboard.errors import ForbiddenError, ResourceNotFoundError
from corkboard.identity import Caller
from corkboard.models import Membership, Role

__all__ = ["ROLE_RANK", "has_role", "require_role"]

ROLE_RANK: dict[Role, int] = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


def has_role(membership: Membership | None, needed: Role) -> bool:
    """True when the membership's role is at least ``needed``."""
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[needed]


def require_role(caller: Caller, membership: Membership | None, needed: Role, *, board_id: str) -> None:
    """Return if the caller may act at ``needed`` level on the board, else raise 404 or 403 (see module)."""
    if has_role(membership, needed):
        return
    if membership is None and not caller.is_admin:
        raise ResourceNotFoundError("Board", board_id)
    if membership is None and needed is Role.VIEWER:
        return  # an admin reading
    raise ForbiddenError(
        f"This needs the {needed.value} role on board '{board_id}'. Ask the board's owner for access."
    )
