"""Deleting a task or a board together with its files: synchronously, in the DELETE request itself.

Why synchronous and not driven by the table's stream: the DELETE answers 204 only once nothing is left,
so a client (or a test) never sees a half-deleted task, and a failure surfaces as an error on that
request, to be retried, instead of as a record in a queue that an operator must notice. A task's or a
board's files (its uploads under ``incoming/`` and its checked files under ``attachments/``) are one
ListObjectVersions page and one DeleteObjects call per 1,000 object versions under each prefix, well
within a request's time for the files a task can hold.

The order makes every failure recoverable and every race end with nothing left:

1. the files go first, so if S3 fails the records are still there, and a retried DELETE (which finds
   the task or board) does the whole job again;
2. then the records; once the task (or board) item is gone no new attachment can be recorded, and an
   upload that lands later has no record: the uploads function deletes it as an orphan;
3. then the files once more, for an upload that landed between steps 1 and 2 and was checked while its
   record still existed (the uploads function no longer sees it as an orphan). This costs one more
   ListObjectVersions request, which finds nothing in the common case.

Example:
    >>> delete_with_files(
    ...     task_prefixes(board_id, task_id), lambda: repository().delete_task(board_id, task_id)
    ... )
"""

from collections.abc import Callable, Sequence

from corkboard.observability import logger
from corkboard.services.store import attachment_bucket

__all__ = ["delete_with_files"]


def delete_with_files(prefixes: Sequence[str], delete_records: Callable[[], object]) -> None:
    """Delete every object version under ``prefixes``, run ``delete_records``, then sweep them again."""
    bucket = attachment_bucket()
    removed = sum(bucket.delete_everything_under(prefix) for prefix in prefixes)
    delete_records()
    late = sum(bucket.delete_everything_under(prefix) for prefix in prefixes)
    logger.info(
        "attachment files deleted", extra={"prefixes": list(prefixes), "objects": removed, "late": late}
    )
