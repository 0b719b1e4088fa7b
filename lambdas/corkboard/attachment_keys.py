"""Where an attachment's file lives in the bucket: ``attachments/{board_id}/{task_id}/{attachment_id}``.

The API signs uploads to these keys, the uploads function reads a key back to find its record, and the
delete services empty a task's or a board's prefix. A board's prefix ends with ``/``, and ids hold no
``/`` (see :data:`corkboard.views.ID_PATTERN`), so board ``ab`` never sweeps up board ``abc``.

Example:
    >>> AttachmentKey("B1", "T1", "A1").object_key
    'attachments/B1/T1/A1'
    >>> AttachmentKey.parse("attachments/B1/T1/A1")
    AttachmentKey(board_id='B1', task_id='T1', attachment_id='A1')
"""

import re
from typing import NamedTuple, Self

from corkboard.table_design import ATTACHMENTS_KEY_PREFIX
from corkboard.views import ID_MAX_LENGTH, ID_PATTERN

__all__ = ["AttachmentKey", "board_prefix", "task_prefix"]

_ID = re.compile(ID_PATTERN)


class AttachmentKey(NamedTuple):
    """The ids an attachment's object key is made of."""

    board_id: str
    task_id: str
    attachment_id: str

    @property
    def object_key(self) -> str:
        return f"{task_prefix(self.board_id, self.task_id)}{self.attachment_id}"

    @classmethod
    def parse(cls, object_key: str) -> Self | None:
        """The ids in an (already URL-decoded) key, or None when the key is not in the layout."""
        if not object_key.startswith(ATTACHMENTS_KEY_PREFIX):
            return None
        parts = object_key.removeprefix(ATTACHMENTS_KEY_PREFIX).split("/")
        if len(parts) != len(cls._fields) or not all(_is_id(part) for part in parts):
            return None
        return cls(*parts)


def board_prefix(board_id: str) -> str:
    """The prefix under which every file of the board lives."""
    return f"{ATTACHMENTS_KEY_PREFIX}{board_id}/"


def task_prefix(board_id: str, task_id: str) -> str:
    """The prefix under which every file of the task lives."""
    return f"{board_prefix(board_id)}{task_id}/"


def _is_id(part: str) -> bool:
    return len(part) <= ID_MAX_LENGTH and _ID.fullmatch(part) is not None
