"""Where an attachment's file lives in the bucket: uploaded to one key, served from another.

``incoming/{board_id}/{task_id}/{attachment_id}`` is where the API's upload form puts the file; nothing
serves it, and the uploads function reads it back from there to find the record. The file it checked is
copied to ``attachments/{board_id}/{task_id}/{attachment_id}``, the only key a download link names, and
only the uploads function writes there. A form re-used after the check can then only ever write to the
incoming key. The delete services empty both prefixes of a task or a board. A board's prefixes end with
``/``, and ids hold no ``/`` (see :data:`corkboard.views.ID_PATTERN`), so board ``ab`` never sweeps up board
``abc``.

Example:
    >>> AttachmentKey("B1", "T1", "A1").upload_key, AttachmentKey("B1", "T1", "A1").served_key
    ('incoming/B1/T1/A1', 'attachments/B1/T1/A1')
    >>> AttachmentKey.parse_upload("incoming/B1/T1/A1")
    AttachmentKey(board_id='B1', task_id='T1', attachment_id='A1')
"""

import re
from typing import NamedTuple, Self

from corkboard.table_design import ATTACHMENTS_KEY_PREFIX, INCOMING_KEY_PREFIX
from corkboard.views import ID_MAX_LENGTH, ID_PATTERN

__all__ = ["AttachmentKey", "board_prefixes", "task_prefixes"]

_ID = re.compile(ID_PATTERN)
# Uploads first: a sweep that stops half-way leaves served files, which the records still explain.
_PREFIXES = (INCOMING_KEY_PREFIX, ATTACHMENTS_KEY_PREFIX)


class AttachmentKey(NamedTuple):
    """The ids an attachment's object keys are made of."""

    board_id: str
    task_id: str
    attachment_id: str

    @property
    def upload_key(self) -> str:
        """Where the upload form puts the file, to be checked."""
        return f"{INCOMING_KEY_PREFIX}{self._path}"

    @property
    def served_key(self) -> str:
        """Where the checked file is copied to, and what a download link names."""
        return f"{ATTACHMENTS_KEY_PREFIX}{self._path}"

    @property
    def _path(self) -> str:
        return f"{self.board_id}/{self.task_id}/{self.attachment_id}"

    @classmethod
    def parse_upload(cls, object_key: str) -> Self | None:
        """The ids in an (already URL-decoded) upload key, or None when the key is not one."""
        if not object_key.startswith(INCOMING_KEY_PREFIX):
            return None
        parts = object_key.removeprefix(INCOMING_KEY_PREFIX).split("/")
        if len(parts) != len(cls._fields) or not all(_is_id(part) for part in parts):
            return None
        return cls(*parts)


def board_prefixes(board_id: str) -> tuple[str, ...]:
    """The prefixes under which every file of the board lives: its uploads, then its served files."""
    return tuple(f"{prefix}{board_id}/" for prefix in _PREFIXES)


def task_prefixes(board_id: str, task_id: str) -> tuple[str, ...]:
    """The prefixes under which every file of the task lives: its uploads, then its served files."""
    return tuple(f"{prefix}{task_id}/" for prefix in board_prefixes(board_id))


def _is_id(part: str) -> bool:
    return len(part) <= ID_MAX_LENGTH and _ID.fullmatch(part) is not None
