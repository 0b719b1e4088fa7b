"""Table.query_keys: which items a partition holds, without reading them."""

from itertools import islice
from typing import Any

from dynamo_odm import Key, Model, Table


class Entry(Model, keys={"pk": "NOTEBOOK#{notebook_id}", "sk": "ENTRY#{entry_id}"}):
    notebook_id: str
    entry_id: str
    text: str


def test_query_keys_yields_the_key_attributes_of_every_selected_item_in_order(
    table: Table, dynamodb: Any
) -> None:
    table.batch_save(
        [
            Entry(notebook_id=notebook, entry_id=entry, text="x" * 10_000)
            for notebook in "AB"
            for entry in "312"
        ]
    )
    requests: list[dict[str, Any]] = []
    dynamodb_client = table.client
    dynamodb_client.meta.events.register("provide-client-params.dynamodb.Query", _recorder(requests))

    keys = list(
        table.query_keys(Key("pk").eq("NOTEBOOK#A") & Key("sk").begins_with("ENTRY#"), consistent=True)
    )

    assert keys == [{"pk": "NOTEBOOK#A", "sk": f"ENTRY#{entry}"} for entry in "123"]
    assert all(
        request["ConsistentRead"] is True and "ProjectionExpression" in request for request in requests
    )


def test_taking_a_page_size_of_keys_sends_one_query_however_large_the_partition(table: Table) -> None:
    table.batch_save([Entry(notebook_id="A", entry_id=f"{entry:03d}", text="x") for entry in range(50)])
    requests: list[dict[str, Any]] = []
    table.client.meta.events.register("provide-client-params.dynamodb.Query", _recorder(requests))

    keys = list(islice(table.query_keys(Key("pk").eq("NOTEBOOK#A"), page_size=11), 11))

    assert keys == [{"pk": "NOTEBOOK#A", "sk": f"ENTRY#{entry:03d}"} for entry in range(11)]
    assert [request["Limit"] for request in requests] == [11]


def test_query_keys_of_an_empty_partition_yields_nothing(table: Table) -> None:
    assert list(table.query_keys(Key("pk").eq("NOTEBOOK#none"))) == []


def _recorder(requests: list[dict[str, Any]]) -> Any:
    def record(params: dict[str, Any], **_: Any) -> None:
        requests.append(dict(params))

    return record
