"""When something below the API fails: throttling becomes 503 with Retry-After, the unexpected a bare 500."""

from typing import Any

import pytest
from botocore.exceptions import ClientError
from rest_harness import Api, SeededBoard

from dynamo_odm.client import dynamodb_client
from dynamo_odm.errors import DEFAULT_RETRY_AFTER_SECONDS


def _throttled(*_: Any, **__: Any) -> None:
    raise ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}, "GetItem"
    )


def test_dynamodb_throttling_is_a_503_with_retry_after(
    api: Api, board: SeededBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dynamodb_client(), "get_item", _throttled)

    response = api.call("GET", f"/boards/{board.board_id}", "viewer")

    assert (response.status, response.error) == (503, "service_unavailable")
    assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER_SECONDS)


def test_unexpected_exception_is_a_500_without_internals(
    api: Api, board: SeededBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals at /var/task/corkboard/repository.py")

    monkeypatch.setattr("corkboard.services.boards.repository", explode)

    response = api.call("GET", "/boards", "owner")

    assert (response.status, response.error) == (500, "internal_error")
    assert response.headers["Content-Type"] == "application/json"
    for leak in ("Traceback", "secret internals", "repository.py", "RuntimeError"):
        assert leak not in response.raw_body
    assert "request id" in response.body["message"]


def test_throttled_idempotency_store_is_a_503_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Creating a board writes the main table in a transaction; put_item here is the idempotency record.
    monkeypatch.setattr(dynamodb_client(), "put_item", _throttled)

    response = api.call("POST", "/boards", json_body={"name": "x"}, headers={"Idempotency-Key": "k-1"})

    assert (response.status, response.error) == (503, "service_unavailable")
    assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER_SECONDS)
