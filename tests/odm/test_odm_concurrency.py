"""Optimistic locking under contention: of 50 threads writing one item at one version, exactly one wins.

Each kind of versioned write is raced: ``update`` (a read, then a conditional put), ``save`` of a loaded
model (a conditional put) and ``replace`` (a conditional UpdateItem). Threads in one process rarely interleave
inside update's read-then-write, so one case holds every writer after its read until all 50 have read
version 1: then only the condition DynamoDB checks atomically can pick the winner.

Uses ``atomic_item_writes`` (tests/conftest.py): moto itself lets two conditional writes to one item both
succeed about once in ten runs, which would test moto's race rather than the layer's locking.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest

from dynamo_odm import Model, Table, VersionConflictError

WRITERS = 50
KEY = {"note_id": "n1"}


class Note(Model, keys={"pk": "NOTE#{note_id}", "sk": "META"}, version_field="version"):
    note_id: str
    text: str
    version: int = 0


Write = Callable[[Table, Note, str], Note]


def _update(table: Table, _: Note, text: str) -> Note:
    return table.update(Note, KEY, {"text": text}, expected_version=1)


def _save(table: Table, loaded: Note, text: str) -> Note:
    return table.save(loaded.model_copy(update={"text": text}))


def _replace(table: Table, loaded: Note, text: str) -> Note:
    return table.replace(loaded.model_copy(update={"text": text}))


def _hold_reads_until_every_writer_has_read(table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    read = table.get
    everyone_read = Barrier(WRITERS)

    def get_then_wait(model_cls: type[Note], key: Any, **options: Any) -> Note | None:
        found = read(model_cls, key, **options)
        everyone_read.wait()
        return found

    monkeypatch.setattr(table, "get", get_then_wait)


@pytest.mark.usefixtures("atomic_item_writes")
@pytest.mark.parametrize(
    ("write", "all_read_first"),
    [(_update, False), (_update, True), (_save, False), (_replace, False)],
    ids=["update", "update, all read version 1 first", "save of the loaded model", "replace"],
)
def test_of_fifty_writers_at_one_version_exactly_one_wins(
    table: Table, monkeypatch: pytest.MonkeyPatch, write: Write, all_read_first: bool
) -> None:
    loaded = table.save(Note(note_id="n1", text="start"))
    start = Barrier(WRITERS)
    if all_read_first:
        _hold_reads_until_every_writer_has_read(table, monkeypatch)

    def writer(number: int) -> Note | VersionConflictError:
        start.wait()
        try:
            return write(table, loaded, f"writer {number}")
        except VersionConflictError as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        outcomes = list(pool.map(writer, range(WRITERS)))
    monkeypatch.undo()

    winners = [outcome for outcome in outcomes if isinstance(outcome, Note)]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, VersionConflictError)]
    assert len(winners) == 1
    assert len(conflicts) == WRITERS - 1
    assert {conflict.current_version for conflict in conflicts} == {2}
    stored = table.get(Note, KEY, consistent=True)
    assert stored == winners[0]
    assert stored is not None
    assert stored.version == 2
