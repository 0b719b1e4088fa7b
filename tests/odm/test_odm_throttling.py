"""Retry-later answers become ThrottledError; unprocessed batch items are retried, never dropped."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from dynamo_odm import CursorCodec, Key, Model, Query, Table, ThrottledError
from dynamo_odm import batch as batch_module
from dynamo_odm.batch import MAX_ATTEMPTS, batch_get, batch_write
from tests.odm.notes_table import CURSOR_KEY, REGION, SCHEMA, TABLE_NAME

THROTTLING_CODES = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]


class Note(Model, keys={"pk": "NOTE#{note_id}", "sk": "META"}, version_field="version"):
    note_id: str
    version: int = 0


@pytest.fixture
def stubbed(aws: None) -> Iterator[tuple[Table, Stubber]]:
    """A table whose client answers from a Stubber (which also bypasses botocore's retries)."""
    client = boto3.client("dynamodb", region_name=REGION)
    with Stubber(client) as stubber:
        yield Table(TABLE_NAME, SCHEMA, client=client, cursors=CursorCodec(CURSOR_KEY)), stubber


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr(batch_module, "sleep", delays.append)
    return delays


@pytest.mark.parametrize("code", THROTTLING_CODES)
def test_throttled_read_raises_throttled_error(stubbed: tuple[Table, Stubber], code: str) -> None:
    table, stubber = stubbed
    stubber.add_client_error("get_item", service_error_code=code, http_status_code=400)
    with pytest.raises(ThrottledError) as raised:
        table.get(Note, {"note_id": "n1"})
    assert raised.value.retry_after_seconds >= 1
    assert isinstance(raised.value.__cause__, ClientError)


def test_throttled_query_raises_throttled_error(stubbed: tuple[Table, Stubber]) -> None:
    table, stubber = stubbed
    stubber.add_client_error("query", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(ThrottledError, match="Retry after"):
        table.page(Note, Query(Key("pk").eq("NOTE#n1"), scope="note:n1"), limit=5, cursor=None)


def test_throttled_delete_raises_throttled_error(stubbed: tuple[Table, Stubber]) -> None:
    table, stubber = stubbed
    stubber.add_client_error(
        "delete_item", service_error_code="ProvisionedThroughputExceededException", http_status_code=400
    )
    with pytest.raises(ThrottledError):
        table.delete(Note, {"note_id": "n1"})


@pytest.mark.parametrize(
    "reason", ["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"]
)
def test_transaction_cancelled_for_capacity_raises_throttled_error(
    stubbed: tuple[Table, Stubber], reason: str
) -> None:
    table, stubber = stubbed
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        modeled_fields={"CancellationReasons": [{"Code": reason}, {"Code": "None"}]},
    )
    with pytest.raises(ThrottledError):
        table.transact_write([table.save_op(Note(note_id="n1")), table.save_op(Note(note_id="n2"))])


def test_other_client_errors_pass_through_unchanged(stubbed: tuple[Table, Stubber]) -> None:
    table, stubber = stubbed
    stubber.add_client_error("get_item", service_error_code="ResourceNotFoundException", http_status_code=400)
    with pytest.raises(ClientError) as raised:
        table.get(Note, {"note_id": "n1"})
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


class _PartialBatches:
    """A client whose batches leave items unprocessed for the first ``stingy_calls`` calls."""

    def __init__(self, stingy_calls: int) -> None:
        self.stingy_calls = stingy_calls
        self.requests: list[dict[str, Any]] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803  (boto3's casing)
        self.requests.append(RequestItems)
        if len(self.requests) <= self.stingy_calls:
            return {"UnprocessedItems": {"t": RequestItems["t"][1:]}}
        return {"UnprocessedItems": {}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.requests.append(RequestItems)
        keys = RequestItems["t"]["Keys"]
        if len(self.requests) <= self.stingy_calls:
            return {
                "Responses": {"t": keys[:1]},
                "UnprocessedKeys": {"t": {**RequestItems["t"], "Keys": keys[1:]}},
            }
        return {"Responses": {"t": keys}, "UnprocessedKeys": {}}


def _deletes(count: int) -> list[dict[str, Any]]:
    return [{"DeleteRequest": {"Key": {"pk": {"S": f"p{index}"}}}} for index in range(count)]


def test_unprocessed_writes_are_retried_until_done(no_backoff: list[float]) -> None:
    client = _PartialBatches(stingy_calls=2)
    batch_write(client, "t", _deletes(3))
    assert [len(request["t"]) for request in client.requests] == [3, 2, 1]
    assert len(no_backoff) == 2


def test_unprocessed_keys_are_retried_and_every_item_is_returned(no_backoff: list[float]) -> None:
    client = _PartialBatches(stingy_calls=1)
    keys = [{"pk": {"S": f"p{index}"}} for index in range(3)]
    assert sorted(item["pk"]["S"] for item in batch_get(client, "t", keys)) == ["p0", "p1", "p2"]
    assert len(client.requests) == 2


def test_writes_left_unprocessed_after_every_attempt_raise_throttled_error(no_backoff: list[float]) -> None:
    client = _PartialBatches(stingy_calls=MAX_ATTEMPTS)
    with pytest.raises(ThrottledError, match="BatchWriteItem"):
        batch_write(client, "t", _deletes(MAX_ATTEMPTS + 5))
    assert len(client.requests) == MAX_ATTEMPTS


def test_large_batches_are_split_to_dynamodbs_limits(no_backoff: list[float]) -> None:
    client = _PartialBatches(stingy_calls=0)
    batch_write(client, "t", _deletes(60))
    assert [len(request["t"]) for request in client.requests] == [25, 25, 10]
