"""Attachment records: created only on an existing task, listed per task, claimed by one upload, settled
exactly once, and expiring while pending."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest

from corkboard.models import Attachment, AttachmentStatus, Task, TaskStatus
from corkboard.repository import CorkboardRepository
from corkboard.table_design import INCOMING_EXPIRY_DAYS
from dynamo_odm import InvalidCursorError, ItemNotFoundError


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


def _claimed(repository: CorkboardRepository, attachment: Attachment, etag: str) -> Attachment:
    claimed = repository.claim_attachment_upload(attachment, object_etag=etag, object_version_id=None)
    assert claimed is not None
    return claimed


def test_a_pending_attachment_expires_and_a_settled_one_does_not(
    repository: CorkboardRepository, task: Task
) -> None:
    before = datetime.now(UTC)
    created = _attach(repository, task)
    ids = (task.board_id, task.task_id, created.attachment_id)

    _claimed(repository, created, "etag-1")
    ready = repository.mark_attachment_ready(*ids, object_etag="etag-1")

    assert created.expires_at is not None
    assert before + timedelta(days=INCOMING_EXPIRY_DAYS, seconds=-1) <= created.expires_at
    assert created.expires_at <= datetime.now(UTC) + timedelta(days=INCOMING_EXPIRY_DAYS)
    assert ready is not None
    assert ready.expires_at is None
    assert repository.get_attachment(*ids) == ready


def test_settling_happens_once_and_only_for_the_claimed_upload(
    repository: CorkboardRepository, task: Task
) -> None:
    created = _attach(repository, task)
    ids = (task.board_id, task.task_id, created.attachment_id)

    claimed = _claimed(repository, created, "etag-1")
    unclaimed = repository.mark_attachment_ready(*ids, object_etag="etag-2")
    ready = repository.mark_attachment_ready(*ids, object_etag="etag-1")
    again = repository.mark_attachment_ready(*ids, object_etag="etag-1")
    rejected = repository.mark_attachment_rejected(*ids, reason="late", object_etag="etag-1")

    assert (claimed.status, claimed.version, claimed.object_etag) == (AttachmentStatus.PENDING, 2, "etag-1")
    assert unclaimed is None
    assert ready is not None
    assert (ready.status, ready.version, ready.object_etag) == (AttachmentStatus.READY, 3, "etag-1")
    assert (again, rejected) == (None, None)
    assert repository.get_attachment(*ids) == ready


def test_claiming_again_for_the_same_upload_writes_nothing(
    repository: CorkboardRepository, task: Task
) -> None:
    claimed = _claimed(repository, _attach(repository, task), "etag-1")

    again = repository.claim_attachment_upload(claimed, object_etag="etag-1", object_version_id=None)

    assert again == claimed


def test_a_rejection_keeps_its_reason(repository: CorkboardRepository, task: Task) -> None:
    created = _claimed(repository, _attach(repository, task), "e")

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
def test_of_concurrent_claims_exactly_one_wins(repository: CorkboardRepository, task: Task) -> None:
    created = _attach(repository, task)
    ids = (task.board_id, task.task_id, created.attachment_id)
    claimants = 20
    start = Barrier(claimants)

    def claim(claimant: int) -> Attachment | None:
        start.wait()
        return repository.claim_attachment_upload(
            created, object_etag=f"etag-{claimant}", object_version_id=None
        )

    with ThreadPoolExecutor(max_workers=claimants) as pool:
        outcomes = list(pool.map(claim, range(claimants)))

    [winner] = [outcome for outcome in outcomes if outcome is not None]
    assert repository.get_attachment(*ids) == winner
    assert winner.version == 2
