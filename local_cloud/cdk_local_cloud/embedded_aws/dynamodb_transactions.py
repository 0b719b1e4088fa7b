"""moto's TransactWriteItems, made to fail the way DynamoDB's does, and cheap when it succeeds.

Measured on moto 5.2.5 (``DynamoDBBackend.transact_write_items``): a transaction deep-copies every table it
names (once per item it writes), applies its items one by one (it goes on after a failed condition), and on
failure puts the copies in place of the live tables. Three things go wrong with that. Every stream reader
holds the live table's stream shard, now an orphan that no write reaches again, so all stream delivery stops
until a restart. The writes the transaction applied before failing left records in that shard, so a reader
still sees changes that never happened. And the copies cost time in proportion to the tables: most of a
transaction's time once a table holds a few hundred items, for every transaction, failed or not.

:func:`install_in_place_rollback` wraps the method once per process. Before a transaction it keeps a copy of
each item the transaction names (a journal), and moto's copy of a whole table is skipped (it gets the live
table back); if the transaction fails, the live table takes back the journalled items, and its stream shard
drops the records added since the journal was taken. A lock shared with the other item writes keeps them
from landing between the journal and the rollback, where they would be undone. Nothing in moto does this, so
it is written here; the wrapper keeps moto's own logic and only changes what it copies and what a failure
leaves behind.
"""

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

__all__ = ["install_in_place_rollback"]

# Item writes that must not interleave with a transaction (moto's BatchWriteItem calls them per item, and
# TransactWriteItems itself calls them, hence a reentrant lock).
_ITEM_WRITES = ("put_item", "update_item", "delete_item")
_INSTALLED_MARK = "_corkboard_in_place_rollback"
_writes_lock = threading.RLock()


def install_in_place_rollback() -> None:
    """Make failed transactions of this process's moto roll back in place; calling it again does nothing."""
    if getattr(DynamoDBBackend.transact_write_items, _INSTALLED_MARK, False):
        return
    for name in _ITEM_WRITES:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    # moto's transaction is the only code of its module that copies a whole table; every other copy it
    # makes (an item's old image) is still a real one.
    dynamodb_models.copy = _TablesNotCopied()  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = _rolled_back_in_place(DynamoDBBackend.transact_write_items)


class _TablesNotCopied:
    """The ``copy`` module as moto's DynamoDB models see it: a Table "copied" is the live table itself."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _serialized(write: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _writes_lock:
            return write(*args, **kwargs)

    return locked


def _rolled_back_in_place(transact: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(transact)
    def transact_write_items(
        backend: DynamoDBBackend, transact_items: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> Any:
        with _writes_lock:
            journal = list(_journal(backend, transact_items))
            # Each named table's stream shard, and how many records it held before the transaction.
            shards = {
                id(shard): (shard, len(shard.items))
                for shard in (entry.table.stream_shard for entry in journal)
                if shard is not None
            }
            try:
                return transact(backend, transact_items, *args, **kwargs)
            except Exception:
                for entry in reversed(journal):
                    entry.put_back()
                for shard, length in shards.values():
                    del shard.items[length:]
                raise

    setattr(transact_write_items, _INSTALLED_MARK, True)
    return transact_write_items


@dataclass(frozen=True)
class _JournalEntry:
    """One item a transaction names, as it was before: ``before`` is None where there was none."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    before: Item | None

    def put_back(self) -> None:
        items: Any = self.table.items
        if self.range_key is None:
            if self.before is None:
                items.pop(self.hash_key, None)
            else:
                items[self.hash_key] = self.before
            return
        if self.before is None:
            items[self.hash_key].pop(self.range_key, None)
        else:
            items[self.hash_key][self.range_key] = self.before


def _journal(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Iterator[_JournalEntry]:
    """A copy of each item the transaction names; an operation moto will refuse (no such table, a key
    without its attributes) writes nothing, so it needs none."""
    for operation in transact_items:
        for body in operation.values():
            if not isinstance(body, dict):
                continue
            table = backend.tables.get(body.get("TableName", ""))
            key = body.get("Key") or body.get("Item")
            if table is None or not isinstance(key, dict):
                continue
            entry = _entry(table, key)
            if entry is not None:
                yield entry


def _entry(table: Table, key: dict[str, Any]) -> _JournalEntry | None:
    if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
        return None
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    items: Any = table.items
    if range_key is None:
        current = items.get(hash_key)
    else:
        current = items[hash_key].get(range_key) if hash_key in items else None
    return _JournalEntry(table, hash_key, range_key, copy.deepcopy(current))
