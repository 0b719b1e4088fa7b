"""Fixtures for the broadcaster tests: a seeded board, its listeners, and the main table's real stream.

Changes are made through the real repository on moto; the records moto's stream holds for them are fed
to ``streams.broadcaster.handler`` exactly as Lambda would deliver them (stream_tap.py), and the frames
land on the local ``@connections`` endpoint.
"""

from typing import Any

import pytest
from broadcast_harness import EDITOR, OWNER, VIEWER, Broadcast
from connections_endpoint import ConnectionsEndpoint
from stream_tap import StreamTap

from corkboard.connections import ConnectionsRepository
from corkboard.models import Role
from corkboard.repository import CorkboardRepository


@pytest.fixture
def broadcast(
    aws: Any,
    repository: CorkboardRepository,
    connections_table: str,
    connections_endpoint: ConnectionsEndpoint,
) -> Broadcast:
    """A board whose owner, editor and viewer are members; the stream is read from after its creation."""
    board = repository.create_board(name="Launch", description="Q3", owner_id=OWNER)
    repository.put_membership(board.board_id, EDITOR, Role.EDITOR)
    repository.put_membership(board.board_id, VIEWER, Role.VIEWER)
    return Broadcast(
        board.board_id, repository, ConnectionsRepository(), connections_endpoint, StreamTap(aws.table_name)
    )
