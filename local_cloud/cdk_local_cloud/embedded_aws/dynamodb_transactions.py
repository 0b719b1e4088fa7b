"""moto's TransactWriteItems, made to fail the way DynamoDB's does: nothing written, nothing streamed.

Measured on moto 5.2.5 (``DynamoDBBackend.transact_write_items``): a transaction deep-copies every table it
names, applies its items one by one (it goes on after a failed condition), and on failure puts the copies
in place of the live tables. Two things break with that. Every stream reader holds the live table's stream
shard, now an orphan that no write reaches again, so all stream delivery stops until a restart. And the
writes the transaction applied before failing left records in that shard, so a reader still sees changes
that never happened.

:func:`install_in_place_rollback` wraps the method once per process: the live table object stays in place
and takes back the copy's items, and its stream shard drops the records added since the copy was taken.
A lock shared with the other item writes keeps them from landing between the copy and the rollback, where
moto would silently lose them. Nothing in moto does this, so it is written here; the wrapper keeps
moto's own logic and only changes what a failure leaves behind.
"""

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
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
    DynamoDBBackend.transact_write_items = _rolled_back_in_place(DynamoDBBackend.transact_write_items)


def _serialized(write: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _writes_lock:
            return write(*args, **kwargs)

    return locked


def _rolled_back_in_place(transact: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(transact)
    def transact_write_items(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _writes_lock:
            live_tables = dict(backend.tables)
            try:
                return transact(backend, *args, **kwargs)
            except Exception:
                for name, live in live_tables.items():
                    copy = backend.tables.get(name)
                    if copy is not None and copy is not live:
                        _restore(live, copy)
                        backend.tables[name] = live
                raise

    setattr(transact_write_items, _INSTALLED_MARK, True)
    return transact_write_items


def _restore(live: Table, copy: Table) -> None:
    """The live table takes back the items of the copy taken before the transaction; its shard forgets the
    records the transaction added, so readers keep their place and never see the undone writes."""
    live.items = copy.items
    if live.stream_shard is not None and copy.stream_shard is not None:
        del live.stream_shard.items[len(copy.stream_shard.items) :]
