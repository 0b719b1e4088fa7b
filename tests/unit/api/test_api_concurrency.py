"""Optimistic locking under real contention: 50 threads PATCH one task from the same version.

Threads in one process rarely interleave inside the read-then-write of an update, so the second case
holds every writer after its read until all 50 have read version 1: then each one's conditional write
reaches DynamoDB, and only the atomic condition can pick the single winner. moto does not serialise
conditional writes to one item across threads as DynamoDB does, so ``atomic_item_writes``
(tests/conftest.py) gives it that guarantee; our code still reads, compares and writes concurrently.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from rest_harness import Api, SeededBoard

from corkboard.models import Task
from dynamo_odm import Table

WRITERS = 50


def _hold_task_reads_until_all_writers_read(monkeypatch: pytest.MonkeyPatch) -> None:
    read = Table.get
    everyone_read = Barrier(WRITERS)

    def get_then_wait(self: Table, model_cls: type, key: Any, **options: Any) -> Any:
        found = read(self, model_cls, key, **options)
        if model_cls is Task:
            everyone_read.wait()
        return found

    monkeypatch.setattr(Table, "get", get_then_wait)


@pytest.mark.usefixtures("atomic_item_writes")
@pytest.mark.parametrize("all_read_first", [False, True], ids=["start together", "all read version 1 first"])
def test_exactly_one_of_fifty_concurrent_patches_wins(
    api: Api, board: SeededBoard, monkeypatch: pytest.MonkeyPatch, all_read_first: bool
) -> None:
    path = f"/boards/{board.board_id}/tasks/{board.task_id}"
    start = Barrier(WRITERS)
    if all_read_first:
        _hold_task_reads_until_all_writers_read(monkeypatch)

    def patch(writer: int) -> tuple[int, str | None, str]:
        title = f"written by {writer}"
        start.wait()
        response = api.call(
            "PATCH", path, "editor", json_body={"version": board.task_version, "title": title}
        )
        return response.status, response.error, title

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(patch, range(WRITERS)))
    monkeypatch.undo()

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200] + [409] * (WRITERS - 1)
    assert {error for status, error, _ in results if status == 409} == {"version_conflict"}
    winner = next(title for status, _, title in results if status == 200)
    stored = api.call("GET", path, "viewer").body
    assert (stored["title"], stored["version"]) == (winner, board.task_version + 1)
