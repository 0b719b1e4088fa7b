"""Memberships: the owner adds, re-roles and removes members; any other member may leave.

The owner's own membership is what makes them owner, so it is never edited or removed here (409);
ending a board is ``DELETE /boards/{boardId}``. Removing a membership ends the user's WebSocket
subscriptions to the board in the same transaction, so access ends with the request, not with the
stream (:meth:`~corkboard.connections.ConnectionsRepository.end_subscriptions_of`).

Example:
    >>> members.put(owner, board_id, "user-2", Role.EDITOR)
    >>> members.remove(caller, board_id, caller.user_id)  # leave the board
"""

from corkboard.errors import OwnerMembershipError, ResourceNotFoundError
from corkboard.events import EventType
from corkboard.identity import Caller
from corkboard.models import Membership, Role
from corkboard.observability import tracer
from corkboard.repository import Page
from corkboard.services.board_access import authorize
from corkboard.services.store import connections, repository

__all__ = ["list_members", "put", "remove"]


@tracer.capture_method
def list_members(caller: Caller, board_id: str, *, limit: int, cursor: str | None) -> Page[Membership]:
    """The board's members and roles, for its members and for admins."""
    authorize(caller, board_id, Role.VIEWER)
    return repository().list_members(board_id, limit=limit, cursor=cursor)


@tracer.capture_method
def put(caller: Caller, board_id: str, user_id: str, role: Role) -> Membership:
    """Add a member or change their role; only the owner may, and never on their own membership."""
    authorize(caller, board_id, Role.OWNER)
    if user_id == caller.user_id:
        raise OwnerMembershipError()
    return repository().put_membership(board_id, user_id, role)


@tracer.capture_method
def remove(caller: Caller, board_id: str, user_id: str) -> None:
    """Remove a member (owner only), or leave the board (any member but the owner)."""
    leaving = user_id == caller.user_id
    membership = authorize(caller, board_id, Role.VIEWER if leaving else Role.OWNER)
    target = membership if leaving else repository().get_membership(board_id, user_id)
    if target is None:
        raise ResourceNotFoundError("Member", user_id)
    if target.role is Role.OWNER:
        raise OwnerMembershipError()
    connections().end_subscriptions_of(
        board_id,
        user_id,
        together_with=repository().membership_deletion(board_id, user_id),
        farewell=EventType.MEMBER_REMOVED,
    )
