"""Optimistic locking under contention: of 50 simultaneous writers at one version, exactly one wins.

Uses ``atomic_item_writes`` (tests/unit/conftest.py): without it moto itself lets two conditional writes to
one item both succeed about once in ten runs, which would test moto's race rather than our locking.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from corkboard.models import Task, TaskStatus
from corkboard.odm import VersionConflictError
from corkboard.repository import CorkboardRepository

WRITERS = 50


@pytest.mark.usefixtures("atomic_item_writes")
def test_fifty_concurrent_updates_at_one_version_have_exactly_one_winner(
    repository: CorkboardRepository,
) -> None:
    board = repository.create_board(name="B", description="", owner_id="owner")
    task = repository.create_task(
        board.board_id, title="start", description="", status=TaskStatus.TODO, assignee=None, due_date=None
    )
    start = Barrier(WRITERS)

    def write(writer: int) -> Task | VersionConflictError:
        start.wait()
        try:
            return repository.update_task(
                board.board_id, task.task_id, expected_version=1, changes={"title": f"writer {writer}"}
            )
        except VersionConflictError as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        outcomes = list(pool.map(write, range(WRITERS)))

    winners = [outcome for outcome in outcomes if isinstance(outcome, Task)]
    conflicts = [outcome for outcome in outcomes if isinstance(outcome, VersionConflictError)]
    assert len(winners) == 1
    assert len(conflicts) == WRITERS - 1
    assert {conflict.current_version for conflict in conflicts} == {2}
    stored = repository.get_task(board.board_id, task.task_id)
    assert stored == winners[0]
    assert stored.version == 2
