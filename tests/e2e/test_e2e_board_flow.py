"""The whole product through the local cloud: REST, the stream, the broadcaster and WebSocket, for real."""

import asyncio
import json

import pytest

from tests.e2e.clients import Api, next_event_of, next_frame, subscribed
from tests.e2e.conftest import SignIn


@pytest.fixture(scope="module")
def alice_token(sign_in: SignIn) -> str:
    return sign_in("alice")


@pytest.fixture(scope="module")
def alice(rest_url: str, alice_token: str) -> Api:
    return Api(rest_url, alice_token)


@pytest.fixture(scope="module")
def bob_token(sign_in: SignIn) -> str:
    return sign_in("bob")


def test_a_shared_board_streams_task_edits_until_the_member_is_removed(
    alice: Api, alice_token: str, bob_token: str, rest_url: str, websocket_url: str
) -> None:
    bob = Api(rest_url, bob_token)
    bob_id = bob.call("GET", "/me", 200)["userId"]
    board_id = alice.call("POST", "/boards", 201, {"name": "Launch"})["boardId"]
    alice.call("PUT", f"/boards/{board_id}/members/{bob_id}", 200, {"role": "editor"})

    async def scenario() -> None:
        async with (
            subscribed(websocket_url, bob_token, board_id) as bob_socket,
            subscribed(websocket_url, alice_token, board_id) as alice_socket,
        ):
            task = alice.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "Write the docs"})
            assert (await next_event_of(bob_socket, "task.created"))["data"]["taskId"] == task["taskId"]

            bob.call(
                "PATCH",
                f"/boards/{board_id}/tasks/{task['taskId']}",
                200,
                {"version": task["version"], "status": "doing"},
            )
            updated = await next_event_of(bob_socket, "task.updated")
            assert (updated["data"]["status"], updated["boardId"]) == ("doing", board_id)

            alice.call("DELETE", f"/boards/{board_id}/members/{bob_id}", 204)
            assert (await next_event_of(bob_socket, "member.removed"))["data"]["userId"] == bob_id

            # Alice's socket is the witness: once she has the next event, the broadcaster has posted it to
            # every subscriber. Bob's next frame must then be the answer to his ping, not that event.
            later = alice.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "After the removal"})
            await next_event_of(alice_socket, "task.created", later["taskId"])
            await bob_socket.send(json.dumps({"action": "ping"}))
            assert await next_frame(bob_socket) == {"type": "pong"}
            await bob_socket.send(json.dumps({"action": "subscribe", "boardId": board_id}))
            assert (await next_frame(bob_socket))["error"] == "board_not_found"

    asyncio.run(scenario())


def test_a_deleted_board_says_goodbye_once_and_streams_nothing_of_its_deletion(
    alice: Api, bob_token: str, rest_url: str, websocket_url: str
) -> None:
    bob_id = Api(rest_url, bob_token).call("GET", "/me", 200)["userId"]
    board_id = alice.call("POST", "/boards", 201, {"name": "Short-lived"})["boardId"]
    alice.call("PUT", f"/boards/{board_id}/members/{bob_id}", 200, {"role": "viewer"})
    alice.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "Deleted with the board"})

    async def scenario() -> None:
        async with subscribed(websocket_url, bob_token, board_id) as bob_socket:
            alice.call("DELETE", f"/boards/{board_id}", 204)
            # The board item goes last, so its record is the deletion's last: nothing of the rest came first.
            goodbye = await next_frame(bob_socket)
            assert (goodbye["type"], goodbye["boardId"]) == ("board.deleted", board_id)
            await bob_socket.send(json.dumps({"action": "subscribe", "boardId": board_id}))
            assert (await next_frame(bob_socket))["error"] == "board_not_found"

    asyncio.run(scenario())


def test_bob_cannot_read_alices_board_before_being_added(alice: Api, rest_url: str, bob_token: str) -> None:
    board_id = alice.call("POST", "/boards", 201, {"name": "Private"})["boardId"]
    Api(rest_url, bob_token).call("GET", f"/boards/{board_id}", 404)
