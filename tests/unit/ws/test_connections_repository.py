"""The connections repository: keyed operations only (never a Scan), and whole partitions across pages."""

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from corkboard.connections import ConnectionsRepository
from corkboard.odm import ItemNotFoundError

# What the repository may send; the realtime stack grants these on the connections table and nothing more.
KEYED_OPERATIONS = {"PutItem", "GetItem", "Query", "BatchWriteItem"}


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


def test_a_full_workout_sends_only_keyed_operations(watched: Watched) -> None:
    connections = watched.connections
    for connection_id, user_id in (("c1", "ann"), ("c2", "ann"), ("c3", "bob")):
        connections.connect(connection_id, user_id)
        connections.subscribe(connection_id, "board-1")
    connections.subscribe("c3", "board-2")
    connections.subscribers_of("board-1")
    connections.unsubscribe("c1", "board-1")
    connections.unsubscribe_user("board-1", "ann")
    connections.drop_board("board-2")
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


def test_unsubscribe_user_ends_only_that_users_subscriptions_to_that_board(watched: Watched) -> None:
    connections = watched.connections
    for connection_id, user_id in (("ann-tab-1", "ann"), ("ann-tab-2", "ann"), ("bob", "bob")):
        connections.connect(connection_id, user_id)
        connections.subscribe(connection_id, "board-1")
    connections.subscribe("ann-tab-1", "board-2")

    assert connections.unsubscribe_user("board-1", "ann") == 2

    assert [s.connection_id for s in connections.subscribers_of("board-1")] == ["bob"]
    assert [s.connection_id for s in connections.subscribers_of("board-2")] == ["ann-tab-1"]


def test_subscribing_a_connection_that_is_gone_is_refused(watched: Watched) -> None:
    connections = watched.connections
    connections.connect("c1", "ann")
    connections.disconnect("c1")

    with pytest.raises(ItemNotFoundError, match="Connection"):
        connections.subscribe("c1", "board-1")
    assert connections.subscribers_of("board-1") == []
