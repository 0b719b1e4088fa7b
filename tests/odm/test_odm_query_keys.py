"""Table.query_keys: which items a partition holds, without reading them."""

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


def test_query_keys_of_an_empty_partition_yields_nothing(table: Table) -> None:
    assert list(table.query_keys(Key("pk").eq("NOTEBOOK#none"))) == []


def _recorder(requests: list[dict[str, Any]]) -> Any:
    def record(params: dict[str, Any], **_: Any) -> None:
        requests.append(dict(params))

    return record
