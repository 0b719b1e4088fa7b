"""Attachment records: created only on an existing task, listed per task, settled exactly once."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from corkboard.models import Attachment, AttachmentStatus, Task, TaskStatus
from corkboard.odm import InvalidCursorError, ItemNotFoundError
from corkboard.repository import CorkboardRepository


@pytest.fixture
def task(repository: CorkboardRepository) -> Task:
    board = repository.create_board(name="B", description="", owner_id="owner")
    return _new_task(repository, board.board_id)


def _new_task(repository: CorkboardRepository, board_id: str) -> Task:
    return repository.create_task(
        board_id, title="T", description="", status=TaskStatus.TODO, assignee=None, due_date=None
    )


def _attach(repository: CorkboardRepository, task: Task, file_name: str = "a.png") -> Attachment:
    return repository.create_attachment(
        task.board_id,
        task.task_id,
        file_name=file_name,
        content_type="image/png",
        size=100,
        uploaded_by="editor",
    )


def test_a_new_attachment_is_pending_at_version_one(repository: CorkboardRepository, task: Task) -> None:
    created = _attach(repository, task)

    stored = repository.get_attachment(task.board_id, task.task_id, created.attachment_id)

    assert stored == created
    assert (created.status, created.version, created.object_etag) == (AttachmentStatus.PENDING, 1, None)


def test_an_attachment_needs_its_task(repository: CorkboardRepository, task: Task) -> None:
    with pytest.raises(ItemNotFoundError) as raised:
        repository.create_attachment(
            task.board_id, "no-such-task", file_name="a", content_type="text/plain", size=1, uploaded_by="u"
        )

    assert raised.value.model_name == "Task"
    assert repository.list_attachments(task.board_id, "no-such-task", limit=10, cursor=None).items == []


def test_a_task_lists_only_its_own_attachments_newest_first(
    repository: CorkboardRepository, task: Task
) -> None:
    other = _new_task(repository, task.board_id)
    names = [f"{number}.png" for number in range(5)]
    for name in names:
        _attach(repository, task, name)
    _attach(repository, other, "other.png")

    first = repository.list_attachments(task.board_id, task.task_id, limit=3, cursor=None)
    rest = repository.list_attachments(task.board_id, task.task_id, limit=3, cursor=first.next_cursor)

    assert [item.file_name for item in first.items + rest.items] == list(reversed(names))
    assert rest.next_cursor is None
    with pytest.raises(InvalidCursorError):
        repository.list_attachments(task.board_id, other.task_id, limit=3, cursor=first.next_cursor)


def test_settling_happens_once_and_a_second_settlement_changes_nothing(
    repository: CorkboardRepository, task: Task
) -> None:
    created = _attach(repository, task)
    ids = (task.board_id, task.task_id, created.attachment_id)

    ready = repository.mark_attachment_ready(*ids, object_etag="etag-1")
    again = repository.mark_attachment_ready(*ids, object_etag="etag-2")
    rejected = repository.mark_attachment_rejected(*ids, reason="late", object_etag="etag-3")

    assert ready is not None
    assert (ready.status, ready.version, ready.object_etag) == (AttachmentStatus.READY, 2, "etag-1")
    assert (again, rejected) == (None, None)
    assert repository.get_attachment(*ids) == ready


def test_a_rejection_keeps_its_reason(repository: CorkboardRepository, task: Task) -> None:
    created = _attach(repository, task)

    rejected = repository.mark_attachment_rejected(
        task.board_id, task.task_id, created.attachment_id, reason="Not a PNG.", object_etag="e"
    )

    assert rejected is not None
    assert (rejected.status, rejected.rejection_reason) == (AttachmentStatus.REJECTED, "Not a PNG.")


def test_settling_a_record_that_is_gone_raises_not_found(repository: CorkboardRepository, task: Task) -> None:
    created = _attach(repository, task)
    repository.delete_task(task.board_id, task.task_id)

    with pytest.raises(ItemNotFoundError):
        repository.mark_attachment_ready(task.board_id, task.task_id, created.attachment_id, object_etag="e")
    assert repository.get_attachment(task.board_id, task.task_id, created.attachment_id) is None


@pytest.mark.usefixtures("atomic_item_writes")
def test_of_concurrent_settlements_exactly_one_wins(repository: CorkboardRepository, task: Task) -> None:
    created = _attach(repository, task)
    ids = (task.board_id, task.task_id, created.attachment_id)
    settlers = 20
    start = Barrier(settlers)

    def settle(settler: int) -> Attachment | None:
        start.wait()
        if settler % 2:
            return repository.mark_attachment_ready(*ids, object_etag=f"etag-{settler}")
        return repository.mark_attachment_rejected(*ids, reason="no", object_etag=f"etag-{settler}")

    with ThreadPoolExecutor(max_workers=settlers) as pool:
        outcomes = list(pool.map(settle, range(settlers)))

    [winner] = [outcome for outcome in outcomes if outcome is not None]
    assert repository.get_attachment(*ids) == winner
    assert winner.version == 2
