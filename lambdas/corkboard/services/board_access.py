"""Loads the caller's membership of a board and applies :mod:`corkboard.permissions` to it.

Every service starts with :func:`authorize`, so the existence-hiding 404 and the role 403 are decided
in one place.
"""

from corkboard.errors import ResourceNotFoundError
from corkboard.identity import Caller
from corkboard.models import Membership, Role
from corkboard.permissions import require_role
from corkboard.services.store import repository

__all__ = ["authorize"]


def authorize(caller: Caller, board_id: str, needed: Role) -> Membership | None:
    """Return the caller's membership (None for an admin reading as a non-member), or raise 404/403."""
    membership = repository().get_membership(board_id, caller.user_id)
    # Admins see every board, so for them (and only them) the board itself settles whether it exists.
    if membership is None and caller.is_admin and repository().get_board(board_id) is None:
        raise ResourceNotFoundError("Board", board_id)
    require_role(caller, membership, needed, board_id=board_id)
    return membership
