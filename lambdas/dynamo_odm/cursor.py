"""Opaque, tamper-checked pagination cursors.

A cursor is ``base64url(JSON of the LastEvaluatedKey) + "." + base64url(HMAC-SHA256 tag)``. The tag covers
the payload and a *scope* string naming the list it came from (kind, partition, filter), which is never
sent: a cursor edited by a client, or replayed on another list, fails verification. Clients cannot read
or forge keys, so they cannot page into partitions they were not shown.

    codec = CursorCodec(secret_key)
    cursor = codec.encode(last_evaluated_key, scope="notes:NOTEBOOK1:pinned")
    codec.decode(cursor, scope="notes:NOTEBOOK1:pinned")  # -> last_evaluated_key
    codec.decode(cursor, scope="notes:NOTEBOOK2:pinned")  # raises InvalidCursorError
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from dynamo_odm.errors import InvalidCursorError

__all__ = ["MAX_CURSOR_LENGTH", "MIN_KEY_BYTES", "CursorCodec"]

MIN_KEY_BYTES = 16
# Far above any real key's encoding; bounds the work spent on garbage input.
MAX_CURSOR_LENGTH = 4096
_SEPARATOR = "."


class CursorCodec:
    """Encodes resume keys into signed cursors and verifies them on the way back.

    ``key`` may be a callable, asked on every use: a secret fetched over the network is then fetched when a
    cursor is first needed rather than at import, and a rotated secret is picked up once the callable's own
    cache expires (cursors issued under the old key then fail as invalid, and clients start over).
    """

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key_source = key

    def encode(self, resume_key: Mapping[str, Any], *, scope: str) -> str:
        payload = _b64encode(json.dumps(resume_key, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}{_SEPARATOR}{self._tag(payload, scope)}"

    def decode(self, cursor: str, *, scope: str) -> dict[str, Any]:
        """The resume key inside ``cursor``; InvalidCursorError for anything not issued for ``scope``."""
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise InvalidCursorError
        payload, separator, tag = cursor.partition(_SEPARATOR)
        if not separator or not hmac.compare_digest(tag.encode(), self._tag(payload, scope).encode()):
            raise InvalidCursorError
        try:
            resume_key = json.loads(_b64decode(payload))
        except (ValueError, binascii.Error) as error:
            raise InvalidCursorError from error
        if not isinstance(resume_key, dict) or not resume_key:
            raise InvalidCursorError
        return resume_key

    def _tag(self, payload: str, scope: str) -> str:
        # Payload text is base64url and never holds NUL, so scope and payload cannot shift into each other.
        message = scope.encode() + b"\x00" + payload.encode()
        return _b64encode(hmac.new(self._secret(), message, hashlib.sha256).digest())

    def _secret(self) -> bytes:
        key = self._key_source() if callable(self._key_source) else self._key_source
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"The cursor key must be at least {MIN_KEY_BYTES} bytes; use a random secret.")
        return key


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
