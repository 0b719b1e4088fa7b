"""Corkboard's data access: the only code that talks to DynamoDB.

Every request path is a GetItem, a Query, a BatchGetItem/BatchWriteItem or a transaction; there is no
Scan. Reads of the main table are strongly consistent, because the API promises read-your-writes: a client
that has just saved version 3 must never read version 2 back and then get a spurious 409. (The indexes are
eventually consistent by nature: GSI1, behind ``list_boards_for_user``, can take a moment to show a new
board, and GSI2, behind ``list_tasks`` with a status, a task's new status. Gets stay consistent.)

Lists are newest-first (ids are ULIDs, so key order is creation order) and page with opaque cursors that
are signed for one list: the scope names the list kind, the partition and the filter, so a cursor from
board A's task list is refused on board B's with InvalidCursorError.

Errors are dynamo_odm's: ItemNotFoundError, VersionConflictError (with ``current_version``),
ConditionFailedError, InvalidChangeError, InvalidCursorError, ThrottledError (with ``retry_after_seconds``).
"""

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from typing import Any

from corkboard import settings
from corkboard.models import Attachment, AttachmentStatus, Board, Membership, Role, Task, TaskStatus
from corkboard.table_design import (
    GSI1_NAME,
    GSI1_PARTITION_KEY,
    GSI1_SORT_KEY,
    GSI2_NAME,
    GSI2_PARTITION_KEY,
    GSI2_SORT_KEY,
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
)
from dynamo_odm import (
    Attr,
    ConditionBase,
    ConditionFailedError,
    CursorCodec,
    IndexSchema,
    ItemNotFoundError,
    Key,
    Page,
    Query,
    Table,
    TableSchema,
    VersionConflictError,
    WriteOp,
)

__all__ = ["TABLE_SCHEMA", "CorkboardRepository", "Page"]

# Reads and conditional writes to close a board that is being renamed at the same moment.
_CLOSE_ATTEMPTS = 3

TABLE_SCHEMA = TableSchema(
    partition_key=PARTITION_KEY,
    sort_key=SORT_KEY,
    indexes={
        GSI1_NAME: IndexSchema(GSI1_PARTITION_KEY, GSI1_SORT_KEY),
        GSI2_NAME: IndexSchema(GSI2_PARTITION_KEY, GSI2_SORT_KEY),
    },
    ttl_attribute=TTL_ATTRIBUTE,
)


class CorkboardRepository:
    """Boards, memberships, tasks and attachment records, stored in the main table.

    The table name and cursor key default to :mod:`corkboard.settings`; both are resolved on first use, so
    constructing a repository at import time touches neither the environment nor the network.
    """

    def __init__(
        self, table_name: str | None = None, cursor_key: bytes | None = None, client: Any = None
    ) -> None:
        self._table_name = table_name
        self._cursor_key: bytes | Callable[[], bytes] = (
            settings.cursor_key if cursor_key is None else cursor_key
        )
        self._client = client

    @cached_property
    def _table(self) -> Table:
        name = self._table_name or settings.table_name()
        return Table(name, TABLE_SCHEMA, client=self._client, cursors=CursorCodec(self._cursor_key))

    def create_board(self, *, name: str, description: str, owner_id: str) -> Board:
        """A new board and its owner's membership, written in one transaction."""
        board = Board(name=name, description=description, owner_id=owner_id)
        owner = Membership(board_id=board.board_id, user_id=owner_id, role=Role.OWNER)
        board_write = self._table.save_op(board)
        self._table.transact_write([board_write, self._table.save_op(owner)])
        return board_write.model

    def get_board(self, board_id: str) -> Board | None:
        return self._table.get(Board, {"board_id": board_id}, consistent=True)

    def update_board(self, board_id: str, *, expected_version: int, changes: Mapping[str, Any]) -> Board:
        return self._table.update(Board, {"board_id": board_id}, changes, expected_version=expected_version)

    def delete_board(self, board_id: str) -> int:
        """Delete a board: close it, delete everything on it in bounded batches, and the board item last.

        Closing sets ``deleting`` on the board item; tasks, memberships and attachments are only ever
        added in a transaction that checks the board is open (:meth:`_board_open`), so from then on the
        partition can only shrink. Attachment records, tasks and the members other than the owner then go
        a page at a time (:meth:`Table.delete_all`); the owner's membership and the board item go last,
        together. Until that last write the owner can still reach the board, so a DELETE that was
        interrupted (a timeout, a throttle) is sent again and carries on where the first stopped: nothing
        is ever left that nobody can reach. Returns the number of items deleted; ItemNotFoundError if the
        board is gone.
        """
        board = self._close_board(board_id)
        if board is None:
            raise ItemNotFoundError(Board.__name__, {"board_id": board_id})
        deleted = 0
        for prefix in (Attachment.key_prefix(SORT_KEY), Task.key_prefix(SORT_KEY)):
            deleted += self._table.delete_all(self._board_items(board_id, prefix))
        deleted += self._table.delete_all(
            self._board_items(board_id, Membership.key_prefix(SORT_KEY)),
            filter=Attr("user_id").ne(board.owner_id),
        )
        owner_key = {"board_id": board_id, "user_id": board.owner_id}
        self._table.transact_write(
            [
                self._table.delete_op(Membership, owner_key),
                self._table.delete_op(Board, {"board_id": board_id}),
            ]
        )
        return deleted + 2

    def _close_board(self, board_id: str) -> Board | None:
        """The board, marked as being deleted (closing a closed board changes nothing); None if gone.

        A rename racing this write makes it read the board again and close it after the rename.
        """
        board = self.get_board(board_id)
        attempt = 1
        while board is not None and not board.deleting:
            try:
                return self.update_board(board_id, expected_version=board.version, changes={"deleting": True})
            except VersionConflictError:
                if attempt == _CLOSE_ATTEMPTS:
                    raise
                attempt += 1
                board = self.get_board(board_id)
        return board

    def list_boards_for_user(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Board]:
        """The boards ``user_id`` is a member of, newest first: a GSI1 Query, then one BatchGetItem."""
        user_partition = Membership.render_key(GSI1_PARTITION_KEY, {"user_id": user_id})
        query = Query(
            Key(GSI1_PARTITION_KEY).eq(user_partition)
            & Key(GSI1_SORT_KEY).begins_with(Membership.key_prefix(GSI1_SORT_KEY)),
            scope=_scope("boards-of-user", user_id),
            index=GSI1_NAME,
            descending=True,
        )
        memberships = self._table.page(Membership, query, limit=limit, cursor=cursor)
        keys = [{"board_id": membership.board_id} for membership in memberships.items]
        return Page(self._table.batch_get(Board, keys, consistent=True), memberships.next_cursor)

    def get_membership(self, board_id: str, user_id: str) -> Membership | None:
        return self._table.get(Membership, {"board_id": board_id, "user_id": user_id}, consistent=True)

    def put_membership(self, board_id: str, user_id: str, role: Role) -> Membership:
        """Add a member or change their role (version +1), in a transaction that checks the board exists.

        A concurrent change to the same membership makes this raise VersionConflictError rather than
        silently overwrite it.
        """
        current = self.get_membership(board_id, user_id)
        membership = (
            Membership(board_id=board_id, user_id=user_id, role=role)
            if current is None
            else Membership.item_layout().apply_changes(current, {"role": role})
        )
        membership_write = self._table.save_op(membership)
        with _closed_board_reads_as_missing(board_id):
            self._table.transact_write([self._board_open(board_id), membership_write])
        return membership_write.model

    def delete_membership(self, board_id: str, user_id: str) -> None:
        self._table.delete(Membership, {"board_id": board_id, "user_id": user_id})

    def membership_deletion(self, board_id: str, user_id: str) -> WriteOp[None]:
        """The deletion of an existing membership, to send in a transaction with other writes."""
        return self._table.delete_op(Membership, {"board_id": board_id, "user_id": user_id})

    def read_access_check(self, board_id: str, user_id: str | None) -> WriteOp[None]:
        """A condition check, for a transaction, that ``user_id``'s membership still exists.

        None stands for an admin reading a board they are not a member of: then the board must exist.
        """
        if user_id is None:
            return self._board_exists(board_id)
        return self._table.check_op(Membership, {"board_id": board_id, "user_id": user_id})

    def list_members(self, board_id: str, *, limit: int, cursor: str | None) -> Page[Membership]:
        """A board's members, ordered by user id."""
        query = Query(
            self._board_items(board_id, Membership.key_prefix(SORT_KEY)),
            scope=_scope("members", board_id),
            consistent=True,
        )
        return self._table.page(Membership, query, limit=limit, cursor=cursor)

    def create_task(
        self,
        board_id: str,
        *,
        title: str,
        description: str,
        status: TaskStatus,
        assignee: str | None,
        due_date: date | None,
    ) -> Task:
        """A new task, written in a transaction that checks the board exists (ItemNotFoundError if not)."""
        task = Task(
            board_id=board_id,
            title=title,
            description=description,
            status=status,
            assignee=assignee,
            due_date=due_date,
        )
        task_write = self._table.save_op(task)
        with _closed_board_reads_as_missing(board_id):
            self._table.transact_write([self._board_open(board_id), task_write])
        return task_write.model

    def get_task(self, board_id: str, task_id: str) -> Task | None:
        return self._table.get(Task, {"board_id": board_id, "task_id": task_id}, consistent=True)

    def update_task(
        self, board_id: str, task_id: str, *, expected_version: int, changes: Mapping[str, Any]
    ) -> Task:
        key = {"board_id": board_id, "task_id": task_id}
        return self._table.update(Task, key, changes, expected_version=expected_version)

    def delete_task(self, board_id: str, task_id: str, *, expected_version: int | None = None) -> None:
        """Delete a task (only at ``expected_version`` when given), then its attachment records."""
        self._table.delete(
            Task, {"board_id": board_id, "task_id": task_id}, expected_version=expected_version
        )
        self._table.delete_all(self._board_items(board_id, _task_attachments_prefix(task_id)))

    def list_tasks(
        self, board_id: str, *, status: TaskStatus | None, limit: int, cursor: str | None
    ) -> Page[Task]:
        """A board's tasks, newest first, optionally only in ``status``; every page but the last is full.

        One status is a Query on GSI2, whose partition holds exactly that board's tasks in that status, so
        the request reads only what it returns (plus one item, to know that more exist). Like every GSI
        read it is eventually consistent: a task changed a moment ago may show in its old status list.
        """
        if status is None:
            query = Query(
                self._board_items(board_id, Task.key_prefix(SORT_KEY)),
                scope=_scope("tasks", board_id, None),
                descending=True,
                consistent=True,
            )
        else:
            status_partition = Task.render_key(GSI2_PARTITION_KEY, {"board_id": board_id, "status": status})
            query = Query(
                Key(GSI2_PARTITION_KEY).eq(status_partition),
                scope=_scope("tasks", board_id, status),
                index=GSI2_NAME,
                descending=True,
            )
        return self._table.page(Task, query, limit=limit, cursor=cursor)

    def create_attachment(
        self,
        board_id: str,
        task_id: str,
        *,
        file_name: str,
        content_type: str,
        size: int,
        uploaded_by: str,
    ) -> Attachment:
        """A new pending attachment, written in a transaction that checks the task exists.

        ItemNotFoundError (for the task) if it does not; a task being deleted therefore takes no new
        attachments once its item is gone.
        """
        attachment = Attachment(
            board_id=board_id,
            task_id=task_id,
            file_name=file_name,
            content_type=content_type,
            size=size,
            uploaded_by=uploaded_by,
        )
        attachment_write = self._table.save_op(attachment)
        task_exists = self._table.check_op(Task, {"board_id": board_id, "task_id": task_id})
        with _closed_board_reads_as_missing(board_id):
            self._table.transact_write([self._board_open(board_id), task_exists, attachment_write])
        return attachment_write.model

    def get_attachment(self, board_id: str, task_id: str, attachment_id: str) -> Attachment | None:
        key = {"board_id": board_id, "task_id": task_id, "attachment_id": attachment_id}
        return self._table.get(Attachment, key, consistent=True)

    def list_attachments(
        self, board_id: str, task_id: str, *, limit: int, cursor: str | None
    ) -> Page[Attachment]:
        """A task's attachments, newest first, in any status."""
        query = Query(
            self._board_items(board_id, _task_attachments_prefix(task_id)),
            scope=_scope("attachments", board_id, task_id),
            descending=True,
            consistent=True,
        )
        return self._table.page(Attachment, query, limit=limit, cursor=cursor)

    def claim_attachment_upload(
        self, current: Attachment, *, object_etag: str, object_version_id: str | None
    ) -> Attachment | None:
        """Record on a pending attachment which upload is being checked; None if the record changed.

        ``current`` is the record as the caller read it: the claim is written only at that version, and
        only while it is pending, so of two uploads racing to claim one record exactly one succeeds.
        Claiming the upload that already holds the claim (a retried event) writes nothing.
        """
        if current.object_etag == object_etag and current.object_version_id == object_version_id:
            return current
        changes = {"object_etag": object_etag, "object_version_id": object_version_id}
        claimed = Attachment.item_layout().apply_changes(current, changes)
        try:
            return self._table.replace(claimed, condition=Attr("status").eq(AttachmentStatus.PENDING))
        except (VersionConflictError, ConditionFailedError):
            return None

    def mark_attachment_ready(
        self, board_id: str, task_id: str, attachment_id: str, *, object_etag: str
    ) -> Attachment | None:
        """Settle a pending attachment as ready; see :meth:`_settle_attachment`."""
        changes = {"status": AttachmentStatus.READY}
        return self._settle_attachment(board_id, task_id, attachment_id, object_etag, changes)

    def mark_attachment_rejected(
        self, board_id: str, task_id: str, attachment_id: str, *, reason: str, object_etag: str
    ) -> Attachment | None:
        """Settle a pending attachment as rejected; see :meth:`_settle_attachment`."""
        changes = {"status": AttachmentStatus.REJECTED, "rejection_reason": reason}
        return self._settle_attachment(board_id, task_id, attachment_id, object_etag, changes)

    def _settle_attachment(
        self,
        board_id: str,
        task_id: str,
        attachment_id: str,
        object_etag: str,
        changes: Mapping[str, Any],
    ) -> Attachment | None:
        """Apply ``changes`` to a pending attachment whose claim is ``object_etag``; None if it is not that.

        Settling happens once: the write is conditioned on the version read and on ``pending``, so of two
        deliveries of the same upload event exactly one settles and the other changes nothing; an upload
        that does not hold the claim (:meth:`claim_attachment_upload`) settles nothing. A settled record
        loses its expiry. A record that is gone (its task was deleted meanwhile, or it expired) raises
        ItemNotFoundError. The write is an UpdateItem, so the uploads function needs GetItem and
        UpdateItem on the table, and no PutItem.
        """
        key = {"board_id": board_id, "task_id": task_id, "attachment_id": attachment_id}
        current = self._table.get(Attachment, key, consistent=True)
        if current is None:
            raise ItemNotFoundError(Attachment.__name__, key)
        if current.status is not AttachmentStatus.PENDING or current.object_etag != object_etag:
            return None
        settled = Attachment.item_layout().apply_changes(current, {**changes, "expires_at": None})
        try:
            return self._table.replace(settled, condition=Attr("status").eq(AttachmentStatus.PENDING))
        except (VersionConflictError, ConditionFailedError):
            return None

    def _board_exists(self, board_id: str) -> WriteOp[None]:
        return self._table.check_op(Board, {"board_id": board_id})

    def _board_open(self, board_id: str) -> WriteOp[None]:
        """A check that the board exists and its deletion has not started (boards from before the flag
        have no ``deleting`` attribute at all)."""
        not_deleting = Attr("deleting").not_exists() | Attr("deleting").eq(False)
        return self._table.check_op(Board, {"board_id": board_id}, not_deleting)

    @staticmethod
    def _board_items(board_id: str, sort_key_prefix: str) -> ConditionBase:
        partition = Board.render_key(PARTITION_KEY, {"board_id": board_id})
        return Key(PARTITION_KEY).eq(partition) & Key(SORT_KEY).begins_with(sort_key_prefix)


@contextmanager
def _closed_board_reads_as_missing(board_id: str) -> Iterator[None]:
    """A board being deleted takes nothing new: to the caller it is already gone (404, not 409)."""
    try:
        yield
    except ConditionFailedError as error:
        if error.model_name != Board.__name__:
            raise
        raise ItemNotFoundError(Board.__name__, {"board_id": board_id}) from error


def _task_attachments_prefix(task_id: str) -> str:
    # The sort key's literal start, then the task: every attachment of one task and nothing else.
    return f"{Attachment.key_prefix(SORT_KEY)}{task_id}#"


def _scope(kind: str, *parts: str | None) -> str:
    # JSON keeps the parts unambiguous whatever characters ids contain.
    return json.dumps([kind, *parts])
