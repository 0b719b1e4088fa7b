"""The connections repository: keyed operations only (never a Scan), and whole partitions across pages."""

import time
import zlib
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from corkboard.connections import ConnectionsRepository
from corkboard.models import Role
from corkboard.repository import CorkboardRepository
from corkboard.subscriber_lanes import key_lane, message_lanes
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


def _board_items(client: Any, table_name: str, board_id: str) -> list[dict[str, Any]]:
    """Every item of the board's partition in the connections table, as stored, read behind the repository."""
    response = client.query(
        TableName=table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"BOARD#{board_id}"}},
        ConsistentRead=True,
    )
    return response["Items"]


def _query_requests(watched: Watched) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = []
    watched.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: requests.append(dict(params))
    )
    return requests


def test_a_subscriber_is_filed_under_its_connections_key_lane(
    watched: Watched, connections_table: str
) -> None:
    """The lane is the top six bits of the connection id's CRC-32, as two hex digits."""
    _listen(watched.connections, "board-1", ("c1", "ann"))

    [item] = _board_items(watched.client, connections_table, "board-1")

    assert item["sk"] == {"S": f"LANE#{zlib.crc32(b'c1') >> 26:02x}#c1"}


def test_a_lane_read_holds_exactly_the_subscribers_of_its_lanes_read_consistently_to_the_last_page(
    watched: Watched,
) -> None:
    connections = watched.connections
    ids = [f"c{index:02d}" for index in range(40)]
    _listen(connections, "board-1", *((connection_id, "ann") for connection_id in ids))
    _listen(connections, "board-2", ("c00", "ann"))
    requests = _query_requests(watched)
    watched.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: params.update(Limit=3)
    )

    for count in (1, 4, 64):
        for lanes in message_lanes(count):
            read = [s.connection_id for s in connections.subscribers_in_lanes("board-1", lanes)]
            assert sorted(read) == [cid for cid in ids if lanes.first <= key_lane(cid) <= lanes.last]

    assert len(requests) > 64 + 4 + 1, "the lanes holding more than three took more than one page"
    assert all(request["ConsistentRead"] for request in requests)


def test_the_broadcasters_read_of_ids_is_one_query_of_at_most_one_more_than_it_lists(
    watched: Watched,
) -> None:
    connections = watched.connections
    ids = [f"c{index:02d}" for index in range(10)]
    _listen(connections, "board-1", *((connection_id, "ann") for connection_id in ids))
    requests = _query_requests(watched)

    assert sorted(connections.subscriber_ids_of("board-1", at_most=10) or []) == ids
    assert connections.subscriber_ids_of("board-1", at_most=4) is None
    assert connections.subscriber_ids_of("board-none", at_most=4) == []

    assert [(request["Limit"], request["ConsistentRead"]) for request in requests] == [
        (11, True),
        (5, True),
        (5, True),
    ]


def _retired_subscriber(
    client: Any, table_name: str, board_id: str, connection_id: str, user_id: str
) -> None:
    """A Subscriber as the release before issue 14 wrote it (keyed CONN#, no lane)."""
    client.put_item(
        TableName=table_name,
        Item={
            "pk": {"S": f"BOARD#{board_id}"},
            "sk": {"S": f"CONN#{connection_id}"},
            "board_id": {"S": board_id},
            "connection_id": {"S": connection_id},
            "user_id": {"S": user_id},
            "failed_posts": {"N": "0"},
            "expiresAt": {"N": str(int(time.time()) + 3600)},
        },
    )


def _retired_keys(client: Any, table_name: str, board_id: str) -> list[str]:
    return sorted(
        item["sk"]["S"]
        for item in _board_items(client, table_name, board_id)
        if item["sk"]["S"].startswith("CONN#")
    )


def test_subscriptions_stored_before_the_key_lanes_are_never_read(
    watched: Watched, connections_table: str
) -> None:
    """Issue 14's migration: an item keyed CONN# is ignored, never half-read (read but not deletable)."""
    _retired_subscriber(watched.client, connections_table, "board-1", "c-before", "ann")
    connections = watched.connections
    _listen(connections, "board-1", ("c-after", "ann"))

    assert [s.connection_id for s in connections.subscribers_of("board-1")] == ["c-after"]
    assert connections.subscriber_ids_of("board-1", at_most=10) == ["c-after"]
    assert [
        s.connection_id
        for lanes in message_lanes(64)
        for s in connections.subscribers_in_lanes("board-1", lanes)
    ] == ["c-after"]


def test_removing_a_member_also_deletes_their_subscriptions_as_the_previous_release_filed_them(
    watched: Watched, repository: CorkboardRepository, connections_table: str
) -> None:
    """The previous release reads CONN# items: after a rollback, a member removed since must not be there."""
    board_id = _board_with_member(repository, "ann")
    for connection_id, user_id in (("ann-old", "ann"), ("bob-old", "bob")):
        _retired_subscriber(watched.client, connections_table, board_id, connection_id, user_id)

    watched.connections.end_subscriptions_of(
        board_id,
        "ann",
        together_with=repository.membership_deletion(board_id, "ann"),
        farewell="member.removed",
    )

    assert _retired_keys(watched.client, connections_table, board_id) == ["CONN#bob-old"]


def test_deleting_a_board_also_deletes_its_subscriptions_as_the_previous_release_filed_them(
    watched: Watched, connections_table: str
) -> None:
    for connection_id, user_id in (("ann-old", "ann"), ("bob-old", "bob")):
        _retired_subscriber(watched.client, connections_table, "board-1", connection_id, user_id)

    watched.connections.end_board_subscriptions("board-1", farewell="board.deleted")

    assert _retired_keys(watched.client, connections_table, "board-1") == []


def test_unsubscribing_and_disconnecting_also_delete_the_previous_releases_items(
    watched: Watched, connections_table: str
) -> None:
    connections = watched.connections
    _listen(connections, "board-1", ("c1", "ann"), ("c2", "bob"))
    for connection_id, user_id in (("c1", "ann"), ("c2", "bob")):
        _retired_subscriber(watched.client, connections_table, "board-1", connection_id, user_id)

    watched.sent.clear()
    connections.unsubscribe("c1", "board-1")

    assert watched.sent == ["BatchWriteItem"], "both of the subscription's items and the retired one, at once"
    connections.disconnect("c2")
    assert _retired_keys(watched.client, connections_table, "board-1") == []


def test_a_removed_members_subscriptions_are_gone_from_every_lane_read(
    watched: Watched, repository: CorkboardRepository, connections_table: str
) -> None:
    connections = watched.connections
    board_id = _board_with_member(repository, "ann")
    ann_tabs = [f"ann-tab-{number}" for number in range(6)]
    _listen(connections, board_id, *((tab, "ann") for tab in ann_tabs), ("bob-1", "bob"), ("bob-2", "bob"))
    [counted] = [s for s in connections.subscribers_of(board_id) if s.connection_id == ann_tabs[0]]
    connections.record_failed_post(counted)

    connections.end_subscriptions_of(
        board_id,
        "ann",
        together_with=repository.membership_deletion(board_id, "ann"),
        farewell="member.removed",
    )
    connections.unsubscribe("bob-2", board_id)

    for lanes in message_lanes(64):
        assert [s.connection_id for s in connections.subscribers_in_lanes(board_id, lanes)] in ([], ["bob-1"])
    assert connections.subscriber_ids_of(board_id, at_most=10) == ["bob-1"]
    stored = [item["sk"]["S"] for item in _board_items(watched.client, connections_table, board_id)]
    assert [sk for sk in stored if not sk.startswith("FAREWELL#")] == [f"LANE#{key_lane('bob-1'):02x}#bob-1"]
