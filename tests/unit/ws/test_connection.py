"""$connect records who opened the socket, with a 2-hour TTL; $disconnect leaves nothing of it behind."""

from datetime import timedelta
from typing import Any

import boto3
from ws_harness import USERS, Realtime, Socket

from corkboard.connections import CONNECTION_LIFETIME, ConnectionsRepository
from corkboard.table_design import CONNECTIONS_PARTITION_KEY, CONNECTIONS_TTL_ATTRIBUTE


def _partition(table: str, partition: str) -> list[dict[str, Any]]:
    """The raw items of one partition of the connections table."""
    return boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": CONNECTIONS_PARTITION_KEY},
        ExpressionAttributeValues={":pk": {"S": partition}},
        ConsistentRead=True,
    )["Items"]


def test_connect_records_the_authorized_user_until_the_connection_limit(
    realtime: Realtime, connections_table: str
) -> None:
    realtime.socket("editor", "conn-1")

    connection = ConnectionsRepository().get_connection("conn-1")

    assert connection is not None
    assert connection.user_id == USERS["editor"].user_id
    assert connection.expires_at - connection.connected_at == CONNECTION_LIFETIME == timedelta(hours=2)
    [item] = _partition(connections_table, "CONN#conn-1")
    assert int(item[CONNECTIONS_TTL_ATTRIBUTE]["N"]) == int(connection.expires_at.timestamp())


def test_connect_without_the_authorizers_identity_is_refused(
    realtime: Realtime, connections_table: str
) -> None:
    socket = Socket("conn-anonymous", None, realtime.endpoint)

    assert socket.connect() == {"statusCode": 401}
    assert _partition(connections_table, "CONN#conn-anonymous") == []


def test_disconnect_forgets_the_connection_and_every_subscription(
    realtime: Realtime, connections_table: str
) -> None:
    other = realtime.repository.create_board(name="Other", description="", owner_id=USERS["owner"].user_id)
    socket = realtime.socket("owner", "conn-1")
    for board_id in (realtime.board_id, other.board_id):
        assert socket.send({"action": "subscribe", "boardId": board_id}).frame["type"] == "subscribed"
    assert len(_partition(connections_table, "CONN#conn-1")) == 3

    assert socket.disconnect() == {"statusCode": 200}

    assert _partition(connections_table, "CONN#conn-1") == []
    for board_id in (realtime.board_id, other.board_id):
        assert _partition(connections_table, f"BOARD#{board_id}") == []


def test_disconnect_leaves_other_connections_of_the_same_user_alone(realtime: Realtime) -> None:
    first, second = realtime.socket("viewer", "tab-1"), realtime.socket("viewer", "tab-2")
    for socket in (first, second):
        socket.send({"action": "subscribe", "boardId": realtime.board_id})

    first.disconnect()

    subscribers = ConnectionsRepository().subscribers_of(realtime.board_id)
    assert [subscriber.connection_id for subscriber in subscribers] == ["tab-2"]


def test_a_second_disconnect_is_harmless(realtime: Realtime, connections_table: str) -> None:
    socket = realtime.socket("viewer", "conn-1")
    socket.disconnect()

    assert socket.disconnect() == {"statusCode": 200}
    assert _partition(connections_table, "CONN#conn-1") == []
