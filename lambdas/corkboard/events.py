"""What a change to the main table means to a board's subscribers: one stream record, at most one event.

An event is ``{"type", "boardId", "data", "at"}``. ``data`` is the public view the REST API returns for
the record (:mod:`corkboard.views`), read from the record's image through the model layer, so neither
keys nor anything else internal can reach a client. ``at`` is when DynamoDB recorded the change.

| item        | INSERT         | MODIFY          | REMOVE           |
|-------------|----------------|-----------------|------------------|
| Task        | task.created   | task.updated    | task.deleted     |
| Membership  | member.added   | member.added    | member.removed   |
| Board       | (none)         | board.updated   | board.deleted    |
| Attachment  | (none)         | attachment.ready, only from pending to ready | (none) |

A membership MODIFY is a role change; it is ``member.added`` because PUT on a member is an upsert and
the event carries the current role either way. Nobody can be subscribed to a board that is only being
created, so a board INSERT has no event. An attachment means something to subscribers once, when its
file has been checked and can be downloaded; its ``data`` has no download link (links are per request,
short-lived, and fetched with ``GET .../attachments``). A rejection concerns only the uploader, who
sees it in that list.

Example:
    >>> event = event_from_record(DynamoDBRecord(lambda_event["Records"][0]))
    >>> event.frame()
    {'type': 'task.created', 'boardId': '01J...', 'data': {'taskId': ...}, 'at': '2030-01-31T09:30:00Z'}
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    StreamRecord,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName as Change,
)
from pydantic_core import to_jsonable_python

from corkboard.models import Attachment, AttachmentStatus, Board, Membership, Task
from corkboard.repository import TABLE_SCHEMA
from corkboard.table_design import SORT_KEY
from corkboard.views import AttachmentOut, BoardOut, MemberOut, ResponseModel, TaskOut
from dynamo_odm import Model
from dynamo_odm.serialization import load_values

__all__ = ["BoardEvent", "EventType", "UnreadableRecordError", "event_from_record"]


class EventType(StrEnum):
    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_DELETED = "task.deleted"
    BOARD_UPDATED = "board.updated"
    BOARD_DELETED = "board.deleted"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    ATTACHMENT_READY = "attachment.ready"


@dataclass(frozen=True)
class BoardEvent:
    """One change on a board, as its subscribers receive it."""

    type: EventType
    board_id: str
    data: Mapping[str, Any]
    at: datetime

    def frame(self) -> dict[str, Any]:
        """The JSON object sent over the socket."""
        return {
            "type": self.type.value,
            "boardId": self.board_id,
            "data": dict(self.data),
            "at": _iso(self.at),
        }


class UnreadableRecordError(ValueError):
    """A stream record lacks what every DynamoDB stream record carries (keys, image or time)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The stream record has no {detail}. Check that the stream's view type is NEW_AND_OLD_IMAGES; "
            "the record stays in the batch's failures until it can be read."
        )


@dataclass(frozen=True)
class _ItemKind:
    """How one kind of main-table item turns into events."""

    model: type[Model]
    view: type[ResponseModel]
    events: Mapping[Change, EventType]
    # For kinds whose changes mean something only in one case; None means every change of ``events``.
    only_if: Callable[[StreamRecord], bool] | None = None

    def matches(self, sort_key: str) -> bool:
        return sort_key.startswith(self.model.key_prefix(SORT_KEY))

    def event_for(self, change_kind: Change, change: StreamRecord) -> EventType | None:
        event_type = self.events.get(change_kind)
        if event_type is None or (self.only_if is not None and not self.only_if(change)):
            return None
        return event_type


def _became_ready(change: StreamRecord) -> bool:
    before, after = change.old_image or {}, change.new_image or {}
    return before.get("status") == AttachmentStatus.PENDING and after.get("status") == AttachmentStatus.READY


_KINDS = (
    _ItemKind(
        Task,
        TaskOut,
        {
            Change.INSERT: EventType.TASK_CREATED,
            Change.MODIFY: EventType.TASK_UPDATED,
            Change.REMOVE: EventType.TASK_DELETED,
        },
    ),
    _ItemKind(
        Membership,
        MemberOut,
        {
            Change.INSERT: EventType.MEMBER_ADDED,
            Change.MODIFY: EventType.MEMBER_ADDED,
            Change.REMOVE: EventType.MEMBER_REMOVED,
        },
    ),
    _ItemKind(
        Board, BoardOut, {Change.MODIFY: EventType.BOARD_UPDATED, Change.REMOVE: EventType.BOARD_DELETED}
    ),
    _ItemKind(Attachment, AttachmentOut, {Change.MODIFY: EventType.ATTACHMENT_READY}, only_if=_became_ready),
)


def event_from_record(record: DynamoDBRecord) -> BoardEvent | None:
    """The event a main-table stream record means, or None when it means nothing to subscribers."""
    change, change_kind = record.dynamodb, record.event_name
    if change is None or change_kind is None:
        raise UnreadableRecordError("change")
    kind = _kind_of(change.keys.get(SORT_KEY))
    event_type = None if kind is None else kind.event_for(change_kind, change)
    if kind is None or event_type is None:
        return None
    image = change.old_image if change_kind is Change.REMOVE else change.new_image
    if not image:
        raise UnreadableRecordError("image of the item")
    seconds = change.approximate_creation_date_time
    if seconds is None:
        raise UnreadableRecordError("ApproximateCreationDateTime")
    data = kind.view.of(load_values(kind.model, image, TABLE_SCHEMA)).model_dump(mode="json")
    return BoardEvent(event_type, data["boardId"], data, datetime.fromtimestamp(seconds, UTC))


def _kind_of(sort_key: object) -> _ItemKind | None:
    if not isinstance(sort_key, str):
        return None
    return next((kind for kind in _KINDS if kind.matches(sort_key)), None)


def _iso(moment: datetime) -> str:
    # The same rendering as every timestamp in ``data`` (pydantic's), so clients parse one format.
    return str(to_jsonable_python(moment))
