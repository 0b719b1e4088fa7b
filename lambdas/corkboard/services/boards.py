"""Boards: any signed-in user may create one; members (and admins) read it; only its owner changes it.

Example:
    >>> board = boards.create(caller, name="Launch", description="")
    >>> boards.update(caller, board.board_id, version=board.version, changes={"name": "Launch v2"})
"""

from collections.abc import Mapping
from typing import Any

from corkboard.attachment_keys import board_prefixes
from corkboard.errors import ResourceNotFoundError
from corkboard.events import EventType
from corkboard.identity import Caller
from corkboard.models import Board, Role
from corkboard.observability import tracer
from corkboard.repository import Page
from corkboard.services.attachment_cleanup import delete_with_files
from corkboard.services.board_access import authorize
from corkboard.services.store import connections, repository

__all__ = ["create", "delete", "get", "list_mine", "update"]


@tracer.capture_method
def create(caller: Caller, *, name: str, description: str) -> Board:
    """Create a board owned by the caller (the repository records the owner's membership with it)."""
    return repository().create_board(name=name, description=description, owner_id=caller.user_id)


@tracer.capture_method
def list_mine(caller: Caller, *, limit: int, cursor: str | None) -> Page[Board]:
    """The boards the caller is a member of, in any role; admins see only their own here too."""
    return repository().list_boards_for_user(caller.user_id, limit=limit, cursor=cursor)


@tracer.capture_method
def get(caller: Caller, board_id: str) -> Board:
    """One board, for its members and for admins."""
    authorize(caller, board_id, Role.VIEWER)
    board = repository().get_board(board_id)
    if board is None:
        raise ResourceNotFoundError("Board", board_id)
    return board


@tracer.capture_method
def update(caller: Caller, board_id: str, *, version: int, changes: Mapping[str, Any]) -> Board:
    """Rename or redescribe a board; only its owner may, and only from the current version."""
    authorize(caller, board_id, Role.OWNER)
    return repository().update_board(board_id, expected_version=version, changes=changes)


@tracer.capture_method
def delete(caller: Caller, board_id: str) -> None:
    """Delete a board and everything on it (tasks, memberships, attachments and their files); owner only.

    Its WebSocket subscriptions end first, so nobody hears of the deletion item by item, and again at the
    end: a subscribe that raced the deletion cannot have succeeded once the board item was gone.
    """
    authorize(caller, board_id, Role.OWNER)
    connections().end_board_subscriptions(board_id, farewell=EventType.BOARD_DELETED)
    delete_with_files(board_prefixes(board_id), lambda: repository().delete_board(board_id))
    connections().end_board_subscriptions(board_id, farewell=EventType.BOARD_DELETED)
