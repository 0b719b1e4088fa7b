"""Revocation that never waits for the stream: a removed member, a member who leaves and a deleted board lose
their WebSocket subscriptions in the REST request itself, before its 204.

The connections table is read straight after each request, and no stream record is ever delivered here,
so whatever the broadcaster does (or fails to do) later cannot be what ended a subscription.
"""

from typing import Any

import pytest
from rest_harness import Api, SeededBoard

from corkboard.connections import ConnectionsRepository
from corkboard.identity import Caller
from corkboard.models import Membership, Role
from corkboard.services import subscriptions

EDITOR_TABS = ("c-editor-1", "c-editor-2")


@pytest.fixture
def connections(connections_table: str) -> ConnectionsRepository:
    return ConnectionsRepository()


def _listen(connections: ConnectionsRepository, board_id: str, *listeners: tuple[str, str]) -> None:
    for connection_id, user_id in listeners:
        if connections.get_connection(connection_id) is None:
            connections.connect(connection_id, user_id)
        connections.subscribe(connection_id, board_id)


def _subscribers(connections: ConnectionsRepository, board_id: str) -> set[str]:
    return {subscriber.connection_id for subscriber in connections.subscribers_of(board_id)}


def test_removing_a_member_ends_every_subscription_they_hold_on_the_board_before_the_204(
    api: Api, board: SeededBoard, connections: ConnectionsRepository
) -> None:
    other = api.call("POST", "/boards", json_body={"name": "Other"}).body["boardId"]
    api.call("PUT", f"/boards/{other}/members/user-editor", json_body={"role": "editor"})
    _listen(
        connections,
        board.board_id,
        *((tab, "user-editor") for tab in EDITOR_TABS),
        ("c-viewer", "user-viewer"),
    )
    _listen(connections, other, ("c-editor-1", "user-editor"))

    response = api.call("DELETE", f"/boards/{board.board_id}/members/user-editor")

    assert response.status == 204
    assert _subscribers(connections, board.board_id) == {"c-viewer"}
    assert _subscribers(connections, other) == {"c-editor-1"}, "their other boards are untouched"
    assert all(connections.get_connection(tab) is not None for tab in EDITOR_TABS), "the sockets stay open"


def test_a_member_who_leaves_stops_receiving_the_board_at_once(
    api: Api, board: SeededBoard, connections: ConnectionsRepository
) -> None:
    _listen(connections, board.board_id, ("c-viewer", "user-viewer"), ("c-owner", "user-owner"))

    response = api.call("DELETE", f"/boards/{board.board_id}/members/user-viewer", "viewer")

    assert response.status == 204
    assert _subscribers(connections, board.board_id) == {"c-owner"}


def test_a_refused_removal_ends_no_subscription(
    api: Api, board: SeededBoard, connections: ConnectionsRepository
) -> None:
    _listen(connections, board.board_id, ("c-viewer", "user-viewer"))

    response = api.call("DELETE", f"/boards/{board.board_id}/members/user-viewer", "editor")

    assert response.status == 403
    assert _subscribers(connections, board.board_id) == {"c-viewer"}


def test_deleting_a_board_ends_every_subscription_to_it_before_the_204(
    api: Api, board: SeededBoard, connections: ConnectionsRepository
) -> None:
    _listen(
        connections,
        board.board_id,
        ("c-owner", "user-owner"),
        ("c-viewer", "user-viewer"),
        *((tab, "user-editor") for tab in EDITOR_TABS),
    )

    response = api.call("DELETE", f"/boards/{board.board_id}")

    assert response.status == 204
    assert _subscribers(connections, board.board_id) == set()
    assert connections.get_connection("c-owner") is not None, "the sockets stay open"


def test_a_subscribe_that_passed_its_check_just_before_a_removal_writes_nothing(
    api: Api, board: SeededBoard, connections: ConnectionsRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The membership check and the subscription are one transaction: a removal in between wins."""
    connections.connect("c-editor-1", "user-editor")
    api.call("DELETE", f"/boards/{board.board_id}/members/user-editor")
    stale = Membership(board_id=board.board_id, user_id="user-editor", role=Role.EDITOR)

    def checked_before_the_removal(*_: Any) -> Membership:
        return stale

    monkeypatch.setattr(subscriptions, "authorize", checked_before_the_removal)

    with pytest.raises(Exception, match="not found"):
        subscriptions.subscribe(
            Caller(user_id="user-editor", email=None, groups=frozenset()), "c-editor-1", board.board_id
        )

    assert _subscribers(connections, board.board_id) == set()
