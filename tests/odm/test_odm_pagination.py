"""Pages: full ones, no duplicates, no gaps, and cursors that only work on the list that issued them.

``collect_page`` runs on a stand-in for Query, to count what each read evaluates; ``Table.page`` runs on moto.
"""

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from dynamo_odm import Attr, CursorCodec, InvalidCursorError, Key, Model, Query, Table
from dynamo_odm.pagination import MAX_EVALUATED_PER_READ, collect_page
from tests.odm.notes_table import SCHEMA, TABLE_NAME

ResumeKey = dict[str, Any]


def _fake_query(values: Sequence[int], *, keep: Callable[[int], bool]) -> tuple[Any, list[int]]:
    """A stand-in for Query over ``values``: evaluates ``limit`` of them, returns those ``keep`` accepts."""
    evaluated: list[int] = []

    def fetch(start: ResumeKey | None, limit: int) -> tuple[list[dict[str, int]], ResumeKey | None]:
        begin = 0 if start is None else values.index(start["k"]) + 1
        window = values[begin : begin + limit]
        evaluated.append(len(window))
        more = begin + limit < len(values)
        return [{"k": value} for value in window if keep(value)], ({"k": window[-1]} if more else None)

    return fetch, evaluated


def _all_pages(fetch: Any, limit: int) -> list[list[int]]:
    pages, start = [], None
    while True:
        items, start = collect_page(fetch, limit=limit, start_key=start, resume_key_of=dict)
        pages.append([item["k"] for item in items])
        if start is None:
            return pages


def test_sparse_filter_still_fills_every_page_but_the_last() -> None:
    fetch, _ = _fake_query(list(range(100)), keep=lambda value: value % 7 == 0)
    pages = _all_pages(fetch, limit=4)
    assert [len(page) for page in pages] == [4, 4, 4, 3]
    assert [value for page in pages for value in page] == list(range(0, 100, 7))


def test_no_empty_last_page_when_items_divide_evenly() -> None:
    fetch, _ = _fake_query(list(range(9)), keep=lambda _: True)
    assert _all_pages(fetch, limit=3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_sparse_filter_reads_in_growing_steps() -> None:
    fetch, evaluated = _fake_query(list(range(10_000)), keep=lambda value: value == 9_999)
    items, resume = collect_page(fetch, limit=5, start_key=None, resume_key_of=dict)
    assert (items, resume) == ([{"k": 9_999}], None)
    assert evaluated[:4] == [6, 12, 24, 48]
    assert max(evaluated) == MAX_EVALUATED_PER_READ


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(limit: int) -> None:
    fetch, _ = _fake_query([1], keep=lambda _: True)
    with pytest.raises(ValueError, match="at least 1"):
        collect_page(fetch, limit=limit, start_key=None, resume_key_of=dict)


class Entry(
    Model,
    keys={"pk": "LOG#{log}", "sk": "ENTRY#{number}"},
    index_keys={"gsi1pk": "OWNER#{owner}", "gsi1sk": "{log}#{number}"},
):
    log: str
    number: str
    owner: str = "ann"
    level: str = "info"


def _write_log(table: Table, log: str, count: int, **fields: Callable[[int], str]) -> None:
    table.batch_save(
        [
            Entry(log=log, number=f"{n:03d}", **{name: value(n) for name, value in fields.items()})
            for n in range(count)
        ]
    )


def _log_query(log: str, **options: Any) -> Query:
    return Query(Key("pk").eq(f"LOG#{log}"), scope=f"log:{log}", **options)


def _read_all(table: Table, query: Query, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = table.page(Entry, query, limit=limit, cursor=cursor)
        pages.append([f"{entry.log}/{entry.number}" for entry in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_table_pages_are_full_and_resume_after_their_last_item(table: Table) -> None:
    _write_log(table, "a", 7)
    assert _read_all(table, _log_query("a"), limit=3) == [
        ["a/000", "a/001", "a/002"],
        ["a/003", "a/004", "a/005"],
        ["a/006"],
    ]


def test_a_filtered_table_query_still_fills_every_page_but_the_last(table: Table) -> None:
    _write_log(table, "a", 20, level=lambda n: "error" if n % 3 == 0 else "info")
    pages = _read_all(table, _log_query("a", filter=Attr("level").eq("error")), limit=2)
    assert pages == [["a/000", "a/003"], ["a/006", "a/009"], ["a/012", "a/015"], ["a/018"]]


def test_an_index_pages_in_descending_order(table: Table) -> None:
    _write_log(table, "a", 3)
    _write_log(table, "b", 3, owner=lambda n: "ann" if n < 2 else "bob")
    query = Query(Key("gsi1pk").eq("OWNER#ann"), scope="owner:ann", index="by_owner", descending=True)
    assert _read_all(table, query, limit=2) == [["b/001", "b/000"], ["a/002", "a/001"], ["a/000"]]


def test_a_cursor_is_refused_on_another_list(table: Table) -> None:
    _write_log(table, "a", 3)
    _write_log(table, "b", 3)
    cursor = table.page(Entry, _log_query("a"), limit=1, cursor=None).next_cursor
    with pytest.raises(InvalidCursorError):
        table.page(Entry, _log_query("b"), limit=1, cursor=cursor)


def test_a_cursor_for_another_key_shape_is_refused_even_in_the_same_scope(table: Table) -> None:
    _write_log(table, "a", 3)
    on_index = Query(Key("gsi1pk").eq("OWNER#ann"), scope="log:a", index="by_owner")
    cursor = table.page(Entry, on_index, limit=1, cursor=None).next_cursor
    with pytest.raises(InvalidCursorError):
        table.page(Entry, _log_query("a"), limit=1, cursor=cursor)


def test_a_table_without_a_cursor_codec_cannot_page(dynamodb: Any) -> None:
    with pytest.raises(TypeError, match="cursors="):
        Table(TABLE_NAME, SCHEMA, client=dynamodb).page(Entry, _log_query("a"), limit=1, cursor=None)


def test_a_cursor_signed_with_another_key_is_refused(table: Table, dynamodb: Any) -> None:
    _write_log(table, "a", 3)
    forger = Table(TABLE_NAME, SCHEMA, client=dynamodb, cursors=CursorCodec(b"not the table's key at all"))
    forged = forger.page(Entry, _log_query("a"), limit=1, cursor=None).next_cursor
    with pytest.raises(InvalidCursorError):
        table.page(Entry, _log_query("a"), limit=1, cursor=forged)
