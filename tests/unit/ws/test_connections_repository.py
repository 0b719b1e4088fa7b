"""The connections repository: keyed operations only (never a Scan), and whole partitions across pages."""

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from corkboard.connections import ConnectionsRepository
from corkboard.models import Role
from corkboard.repository import CorkboardRepository
from dynamo_odm import ItemNotFoundError

# What the repository may send; the stacks grant these on the connections table and nothing more.
KEYED_OPERATIONS = {"PutItem", "GetItem", "Query", "BatchWriteItem", "TransactWriteItems"}


@dataclass(frozen=True)
class Watched:
    """A repository, its own DynamoDB client, and the names of the operations that client sent."""

    connections: ConnectionsRepository
    client: Any
    sent: list[str]


@pytest.fixture
def watched(aws: Any, connections_table: str) -> Watched:
    """A repository whose client records every operation it sends; a Scan fails the test at once."""
    client = boto3.client("dynamodb", region_name=aws.region)
    sent: list[str] = []

    def record(model: Any, **_: Any) -> None:
        assert model.name != "Scan", "The connections repository sent a Scan."
        sent.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    return Watched(ConnectionsRepository(client=client), client, sent)


def test_a_full_workout_sends_only_keyed_operations(
    watched: Watched, repository: CorkboardRepository
) -> None:
    connections = watched.connections
    board = repository.create_board(name="Board", description="", owner_id="ann")
    for connection_id, user_id in (("c1", "ann"), ("c2", "ann"), ("c3", "bob")):
        connections.connect(connection_id, user_id)
        connections.subscribe(connection_id, board.board_id)
    connections.subscribe("c3", "board-2")
    [subscriber, *_] = connections.subscribers_of(board.board_id)
    connections.record_failed_post(subscriber)
    connections.clear_failed_posts(subscriber)
    connections.unsubscribe("c1", board.board_id)
    connections.end_subscriptions_of(
        board.board_id,
        "ann",
        together_with=repository.membership_deletion(board.board_id, "ann"),
        farewell="member.removed",
    )
    connections.take_farewells(board.board_id, "member.removed", "ann")
    connections.end_board_subscriptions("board-2", farewell="board.deleted")
    connections.take_farewells("board-2", "board.deleted")
    connections.drop_connection("c3")
    connections.disconnect("c1")

    assert set(watched.sent) == KEYED_OPERATIONS


def test_subscribers_are_read_to_the_last_page(watched: Watched) -> None:
    connections = watched.connections
    for index in range(10):
        connections.connect(f"c{index}", "ann")
        connections.subscribe(f"c{index}", "board-1")
    # Small pages make DynamoDB's 1 MB page boundary show up with ten items.
    watched.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: params.update(Limit=3)
    )
    watched.sent.clear()

    subscribers = connections.subscribers_of("board-1")

    assert sorted(s.connection_id for s in subscribers) == [f"c{index}" for index in range(10)]
    assert watched.sent.count("Query") == 4


def _board_with_member(repository: CorkboardRepository, user_id: str) -> str:
    board = repository.create_board(name="Board", description="", owner_id="owner")
    repository.put_membership(board.board_id, user_id, Role.VIEWER)
    return board.board_id


def _listen(connections: ConnectionsRepository, board_id: str, *listeners: tuple[str, str]) -> None:
    for connection_id, user_id in listeners:
        if connections.get_connection(connection_id) is None:
            connections.connect(connection_id, user_id)
        connections.subscribe(connection_id, board_id)


def test_ending_a_users_subscriptions_ends_theirs_on_that_board_with_the_membership(
    watched: Watched, repository: CorkboardRepository
) -> None:
    connections = watched.connections
    board_id = _board_with_member(repository, "ann")
    _listen(connections, board_id, ("ann-tab-1", "ann"), ("ann-tab-2", "ann"), ("bob", "bob"))
    _listen(connections, "board-2", ("ann-tab-1", "ann"))
    watched.sent.clear()

    ended = connections.end_subscriptions_of(
        board_id,
        "ann",
        together_with=repository.membership_deletion(board_id, "ann"),
        farewell="member.removed",
    )

    assert ended == 2
    assert watched.sent.count("TransactWriteItems") == 1, "the membership and the subscriptions, together"
    assert repository.get_membership(board_id, "ann") is None
    assert [s.connection_id for s in connections.subscribers_of(board_id)] == ["bob"]
    assert [s.connection_id for s in connections.subscribers_of("board-2")] == ["ann-tab-1"]
    assert sorted(connections.take_farewells(board_id, "member.removed", "ann")) == ["ann-tab-1", "ann-tab-2"]
    assert connections.take_farewells(board_id, "member.removed", "ann") == [], "owed once"


def test_when_the_membership_cannot_be_deleted_no_subscription_ends(
    watched: Watched, repository: CorkboardRepository
) -> None:
    connections = watched.connections
    board_id = _board_with_member(repository, "ann")
    _listen(connections, board_id, ("ann-tab-1", "ann"))
    repository.delete_membership(board_id, "ann")

    with pytest.raises(ItemNotFoundError, match="Membership"):
        connections.end_subscriptions_of(
            board_id,
            "ann",
            together_with=repository.membership_deletion(board_id, "ann"),
            farewell="member.removed",
        )

    assert [s.connection_id for s in connections.subscribers_of(board_id)] == ["ann-tab-1"]
    assert connections.take_farewells(board_id, "member.removed", "ann") == []


def test_more_tabs_than_one_transaction_holds_all_lose_the_board(
    watched: Watched, repository: CorkboardRepository
) -> None:
    connections = watched.connections
    board_id = _board_with_member(repository, "ann")
    tabs = [f"ann-tab-{number:02d}" for number in range(40)]
    _listen(connections, board_id, *((tab, "ann") for tab in tabs))

    ended = connections.end_subscriptions_of(
        board_id,
        "ann",
        together_with=repository.membership_deletion(board_id, "ann"),
        farewell="member.removed",
    )

    assert ended == len(tabs)
    assert connections.subscribers_of(board_id) == []
    assert sorted(connections.take_farewells(board_id, "member.removed", "ann")) == tabs


def test_a_subscription_written_after_the_first_read_is_ended_too(
    watched: Watched, repository: CorkboardRepository
) -> None:
    """A subscribe whose check passed just before the removal lands between its read and its transaction."""
    connections = watched.connections
    board_id = _board_with_member(repository, "ann")
    _listen(connections, board_id, ("ann-tab-1", "ann"))
    connections.connect("ann-tab-2", "ann")
    raced: list[str] = []

    def subscribe_just_before_the_transaction(**_: Any) -> None:
        if not raced:
            raced.append("ann-tab-2")
            connections.subscribe("ann-tab-2", board_id)

    watched.client.meta.events.register(
        "before-call.dynamodb.TransactWriteItems", subscribe_just_before_the_transaction
    )

    ended = connections.end_subscriptions_of(
        board_id,
        "ann",
        together_with=repository.membership_deletion(board_id, "ann"),
        farewell="member.removed",
    )

    assert ended == 2
    assert connections.subscribers_of(board_id) == []


def test_a_farewell_is_never_read_as_a_subscriber(watched: Watched) -> None:
    connections = watched.connections
    _listen(connections, "board-1", ("c1", "ann"), ("c2", "bob"))

    assert connections.end_board_subscriptions("board-1", farewell="board.deleted") == 2

    assert connections.subscribers_of("board-1") == []
    assert sorted(connections.take_farewells("board-1", "board.deleted")) == ["c1", "c2"]


def test_subscribing_a_connection_that_is_gone_is_refused(watched: Watched) -> None:
    connections = watched.connections
    connections.connect("c1", "ann")
    connections.disconnect("c1")

    with pytest.raises(ItemNotFoundError, match="Connection"):
        connections.subscribe("c1", "board-1")
    assert connections.subscribers_of("board-1") == []
