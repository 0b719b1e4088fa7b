"""The client protocol: every frame is answered on the caller's own socket, and the socket stays open (200).

Members of any role and admins may subscribe; anyone else is told ``board_not_found``, word for word what
they would be told about a board that does not exist.
"""

from typing import Any

import pytest
from botocore.exceptions import ClientError
from ws_harness import USERS, Realtime, Socket

from corkboard.connections import ConnectionsRepository
from dynamo_odm.client import dynamodb_client

MISSING_BOARD = "01NOSUCHBOARD0000000000000"


def _subscribers(board_id: str) -> set[str]:
    return {subscriber.connection_id for subscriber in ConnectionsRepository().subscribers_of(board_id)}


def test_ping_is_answered_with_pong(realtime: Realtime) -> None:
    reply = realtime.socket("viewer").send({"action": "ping"}, route_key="ping")

    assert (reply.status_code, reply.frame) == (200, {"type": "pong"})


@pytest.mark.parametrize("role", ["viewer", "editor", "owner", "admin"])
def test_members_and_admins_may_subscribe(realtime: Realtime, role: str) -> None:
    socket = realtime.socket(role)

    reply = socket.send({"action": "subscribe", "boardId": realtime.board_id}, route_key="subscribe")

    assert (reply.status_code, reply.frame) == (200, {"type": "subscribed", "boardId": realtime.board_id})
    assert _subscribers(realtime.board_id) == {socket.connection_id}


def test_a_subscription_is_filed_under_the_connections_own_user(realtime: Realtime) -> None:
    realtime.socket("viewer").send({"action": "subscribe", "boardId": realtime.board_id})

    [subscriber] = ConnectionsRepository().subscribers_of(realtime.board_id)

    assert subscriber.user_id == USERS["viewer"].user_id
    connection = ConnectionsRepository().get_connection(subscriber.connection_id)
    assert connection is not None
    assert subscriber.expires_at == connection.expires_at


def test_subscribing_twice_keeps_one_subscription(realtime: Realtime) -> None:
    socket = realtime.socket("viewer")
    for _ in range(2):
        assert (
            socket.send({"action": "subscribe", "boardId": realtime.board_id}).frame["type"] == "subscribed"
        )

    assert _subscribers(realtime.board_id) == {socket.connection_id}


def test_a_stranger_and_a_missing_board_get_the_same_answer(realtime: Realtime) -> None:
    socket = realtime.socket("stranger")

    hidden = socket.send({"action": "subscribe", "boardId": realtime.board_id}).frame
    missing = socket.send({"action": "subscribe", "boardId": MISSING_BOARD}).frame

    assert hidden["error"] == missing["error"] == "board_not_found"
    assert hidden["message"].replace(realtime.board_id, "ID") == missing["message"].replace(
        MISSING_BOARD, "ID"
    )
    assert _subscribers(realtime.board_id) == set()


def test_an_admin_is_told_a_missing_board_is_missing(realtime: Realtime) -> None:
    reply = realtime.socket("admin").send({"action": "subscribe", "boardId": MISSING_BOARD})

    assert (reply.status_code, reply.frame["type"], reply.frame["error"]) == (200, "error", "board_not_found")


def test_unsubscribe_ends_the_subscription(realtime: Realtime) -> None:
    socket = realtime.socket("editor")
    socket.send({"action": "subscribe", "boardId": realtime.board_id})

    reply = socket.send({"action": "unsubscribe", "boardId": realtime.board_id}, route_key="unsubscribe")

    assert (reply.status_code, reply.frame) == (200, {"type": "unsubscribed", "boardId": realtime.board_id})
    assert _subscribers(realtime.board_id) == set()


def test_unsubscribing_from_a_board_never_subscribed_is_harmless(realtime: Realtime) -> None:
    reply = realtime.socket("stranger").send({"action": "unsubscribe", "boardId": realtime.board_id})

    assert reply.frame == {"type": "unsubscribed", "boardId": realtime.board_id}


BAD_FRAMES: list[tuple[str, Any, str]] = [
    ("not json", "subscribe me", "malformed_json"),
    ("empty", "", "malformed_json"),
    ("binary, not text", b"\xff\xfe\x00", "malformed_json"),
    ("binary JSON", b'{"action": "ping", "x": 1}', "invalid_request"),
    ("a json array", [1, 2], "invalid_request"),
    ("a json string", '"ping"', "invalid_request"),
    ("no action", {"boardId": "b1"}, "unknown_action"),
    ("unknown action", {"action": "publish", "boardId": "b1"}, "unknown_action"),
    ("action not a string", {"action": ["subscribe"]}, "unknown_action"),
    ("action in the wrong case", {"action": "PING"}, "unknown_action"),
    ("subscribe without boardId", {"action": "subscribe"}, "invalid_request"),
    ("boardId not a string", {"action": "subscribe", "boardId": 7}, "invalid_request"),
    ("boardId with a slash", {"action": "subscribe", "boardId": "a/b"}, "invalid_request"),
    ("boardId too long", {"action": "subscribe", "boardId": "b" * 65}, "invalid_request"),
    ("unsubscribe without boardId", {"action": "unsubscribe"}, "invalid_request"),
    ("unknown field", {"action": "ping", "extra": True}, "invalid_request"),
    ("nested 10,000 deep", '{"action": "ping", "x": ' + "[" * 10_000 + "]" * 10_000 + "}", "invalid_request"),
    ("an integer of 4,301 digits", '{"action": "ping", "x": ' + "1" * 4301 + "}", "invalid_request"),
    ("NaN, which is not JSON", '{"action": "ping", "x": NaN}', "malformed_json"),
]


@pytest.mark.parametrize(
    ("frame", "code"), [(frame, code) for _, frame, code in BAD_FRAMES], ids=[n for n, *_ in BAD_FRAMES]
)
def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_open(
    realtime: Realtime, frame: Any, code: str
) -> None:
    socket = realtime.socket("viewer")

    reply = socket.send(frame)

    assert reply.status_code == 200
    assert reply.frame["type"] == "error"
    assert reply.frame["error"] == code
    assert set(reply.frame) == {"type", "error", "message"}
    assert reply.frame["message"].endswith(".")
    assert socket.send({"action": "ping"}).frame == {"type": "pong"}


def test_an_invalid_field_is_named_in_the_message(realtime: Realtime) -> None:
    reply = realtime.socket("viewer").send({"action": "subscribe", "boardId": "a/b"})

    assert "boardId" in reply.frame["message"]
    assert '{"action": "subscribe", "boardId": "<board id>"}' in reply.frame["message"]


def test_a_frame_without_the_authorizers_identity_is_refused(realtime: Realtime) -> None:
    socket = Socket("conn-anonymous", None, realtime.endpoint)

    reply = socket.send({"action": "subscribe", "boardId": realtime.board_id})

    assert (reply.status_code, reply.frame["error"]) == (200, "unauthorized")
    assert _subscribers(realtime.board_id) == set()


def test_a_busy_database_is_answered_retry_later(realtime: Realtime, monkeypatch: pytest.MonkeyPatch) -> None:
    socket = realtime.socket("viewer")

    def throttled(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem")

    monkeypatch.setattr(dynamodb_client(), "get_item", throttled)
    reply = socket.send({"action": "subscribe", "boardId": realtime.board_id})

    assert (reply.status_code, reply.frame["error"]) == (200, "service_unavailable")


def test_an_unexpected_failure_is_answered_without_internals(
    realtime: Realtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket = realtime.socket("viewer")

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals at /var/task/corkboard/connections.py")

    monkeypatch.setattr("corkboard.services.subscriptions.connections", explode)
    reply = socket.send({"action": "subscribe", "boardId": realtime.board_id})

    assert (reply.status_code, reply.frame["error"]) == (200, "internal_error")
    assert "request id" in reply.frame["message"]
    assert "secret" not in reply.frame["message"]


def test_a_client_gone_before_its_answer_is_no_failure(realtime: Realtime) -> None:
    socket = realtime.socket("viewer")
    realtime.endpoint.answer(socket.connection_id, 410)

    reply = socket.send({"action": "ping"})

    assert (reply.status_code, reply.frame) == (200, None)
    assert realtime.endpoint.attempts(socket.connection_id) == 1
