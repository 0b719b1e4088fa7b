"""Idempotency-Key on POSTs: a replay returns the first response; a reused key with a new body is refused."""

import time
from typing import Any

import boto3
from lambda_context import LambdaContextDouble
from rest_harness import Api, SeededBoard, table_snapshot

KEY = {"Idempotency-Key": "3f1c2a9e-create-board"}


def test_same_key_twice_creates_one_board_and_replays_the_response(api: Api) -> None:
    first = api.call("POST", "/boards", "editor", json_body={"name": "Once"}, headers=KEY)
    second = api.call("POST", "/boards", "editor", json_body={"name": "Once"}, headers=KEY)

    assert (first.status, second.status) == (201, 201)
    assert second.raw_body == first.raw_body
    assert [board["boardId"] for board in api.call("GET", "/boards", "editor").body["items"]] == [
        first.body["boardId"]
    ]


def test_same_key_with_another_body_is_refused(api: Api, aws: Any) -> None:
    api.call("POST", "/boards", "editor", json_body={"name": "Once"}, headers=KEY)
    before = table_snapshot(aws.table_name)

    response = api.call("POST", "/boards", "editor", json_body={"name": "Twice"}, headers=KEY)

    assert (response.status, response.error) == (422, "idempotency_key_reused")
    assert table_snapshot(aws.table_name) == before


def test_keys_are_per_caller(api: Api) -> None:
    mine = api.call("POST", "/boards", "editor", json_body={"name": "Same"}, headers=KEY)
    theirs = api.call("POST", "/boards", "viewer", json_body={"name": "Same"}, headers=KEY)

    assert (mine.status, theirs.status) == (201, 201)
    assert mine.body["boardId"] != theirs.body["boardId"]
    assert theirs.body["ownerId"] == "user-viewer"


def test_without_a_key_every_post_creates(api: Api) -> None:
    first = api.call("POST", "/boards", "editor", json_body={"name": "Twice"})
    second = api.call("POST", "/boards", "editor", json_body={"name": "Twice"})

    assert first.body["boardId"] != second.body["boardId"]


def test_task_key_is_checked_against_the_board_too(api: Api, board: SeededBoard) -> None:
    other = api.call("POST", "/boards", json_body={"name": "Other"}).body["boardId"]
    task = {"title": "Same title"}
    api.call("POST", f"/boards/{board.board_id}/tasks", json_body=task, headers=KEY)

    response = api.call("POST", f"/boards/{other}/tasks", json_body=task, headers=KEY)

    assert (response.status, response.error) == (422, "idempotency_key_reused")


def test_a_failed_request_does_not_burn_the_key(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    refused = api.call("POST", path, "viewer", json_body={"title": "t"}, headers=KEY)
    api.call("PUT", f"/boards/{board.board_id}/members/user-viewer", json_body={"role": "editor"})

    retried = api.call("POST", path, "viewer", json_body={"title": "t"}, headers=KEY)

    assert (refused.status, retried.status) == (403, 201)


def test_a_removed_member_replaying_a_key_is_refused_like_a_first_request(
    api: Api, board: SeededBoard
) -> None:
    path = f"/boards/{board.board_id}/tasks"
    first = api.call("POST", path, "editor", json_body={"title": "Mine"}, headers=KEY)
    api.call("DELETE", f"/boards/{board.board_id}/members/user-editor")

    replay = api.call("POST", path, "editor", json_body={"title": "Mine"}, headers=KEY)

    assert first.status == 201
    assert (replay.status, replay.error) == (404, "not_found")
    assert first.body["taskId"] not in replay.raw_body


def test_a_demoted_member_replaying_a_key_is_refused_like_a_first_request(
    api: Api, board: SeededBoard
) -> None:
    path = f"/boards/{board.board_id}/tasks"
    api.call("POST", path, "editor", json_body={"title": "Mine"}, headers=KEY)
    api.call("PUT", f"/boards/{board.board_id}/members/user-editor", json_body={"role": "viewer"})

    replay = api.call("POST", path, "editor", json_body={"title": "Mine"}, headers=KEY)

    assert (replay.status, replay.error) == (403, "forbidden")


def test_another_callers_key_never_replays_the_first_callers_task(api: Api, board: SeededBoard) -> None:
    path = f"/boards/{board.board_id}/tasks"
    editors = api.call("POST", path, "editor", json_body={"title": "Same"}, headers=KEY)

    owners = api.call("POST", path, "owner", json_body={"title": "Same"}, headers=KEY)

    assert (editors.status, owners.status) == (201, 201)
    assert owners.body["taskId"] != editors.body["taskId"]


def test_a_record_in_progress_expires_with_the_invocation(api: Api, aws: Any) -> None:
    # Powertools stores when the invocation that took the key runs out of time (from the Lambda context the
    # route passes), so a timed-out request frees its key instead of holding it until the record expires.
    before_ms = time.time() * 1000
    api.call("POST", "/boards", "editor", json_body={"name": "Timed"}, headers=KEY)

    (record,) = boto3.client("dynamodb").scan(TableName=aws.idempotency_table_name)["Items"]
    expires_ms = int(record["in_progress_expiration"]["N"])
    remaining_ms = LambdaContextDouble().get_remaining_time_in_millis()
    assert before_ms + remaining_ms <= expires_ms <= time.time() * 1000 + remaining_ms
