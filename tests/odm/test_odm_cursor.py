"""Signed cursors: round trip, and every way a client could hand back something we did not issue."""

import base64
import json

import pytest

from dynamo_odm import CursorCodec, InvalidCursorError
from dynamo_odm.cursor import MAX_CURSOR_LENGTH

KEY = b"k" * 32
SCOPE = '["notes", "OWNER1", null]'
RESUME_KEY = {"pk": {"S": "OWNER#OWNER1"}, "sk": {"S": "NOTE#01ARYZ6S41"}}


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(KEY)


def _flip_last_char(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def test_round_trip_returns_the_resume_key(codec: CursorCodec) -> None:
    assert codec.decode(codec.encode(RESUME_KEY, scope=SCOPE), scope=SCOPE) == RESUME_KEY


def test_cursor_is_url_safe(codec: CursorCodec) -> None:
    cursor = codec.encode(RESUME_KEY, scope=SCOPE)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_key_may_be_a_callable_asked_on_use() -> None:
    calls = []

    def key() -> bytes:
        calls.append(1)
        return KEY

    codec = CursorCodec(key)
    assert calls == []
    assert codec.decode(codec.encode(RESUME_KEY, scope=SCOPE), scope=SCOPE) == RESUME_KEY
    assert len(calls) == 2


def test_cursor_from_another_scope_is_refused(codec: CursorCodec) -> None:
    cursor = codec.encode(RESUME_KEY, scope=SCOPE)
    with pytest.raises(InvalidCursorError):
        codec.decode(cursor, scope='["notes", "OWNER2", null]')


def test_cursor_signed_with_another_key_is_refused(codec: CursorCodec) -> None:
    forged = CursorCodec(b"x" * 32).encode(RESUME_KEY, scope=SCOPE)
    with pytest.raises(InvalidCursorError):
        codec.decode(forged, scope=SCOPE)


def test_edited_payload_is_refused(codec: CursorCodec) -> None:
    _, tag = codec.encode(RESUME_KEY, scope=SCOPE).split(".")
    other_key = {"pk": {"S": "OWNER#SOMEONE-ELSE"}, "sk": {"S": "NOTE#0"}}
    payload = base64.urlsafe_b64encode(json.dumps(other_key).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidCursorError):
        codec.decode(f"{payload}.{tag}", scope=SCOPE)


def test_edited_tag_is_refused(codec: CursorCodec) -> None:
    cursor = codec.encode(RESUME_KEY, scope=SCOPE)
    with pytest.raises(InvalidCursorError):
        codec.decode(_flip_last_char(cursor), scope=SCOPE)


def test_signed_payload_that_is_not_a_key_is_refused(codec: CursorCodec) -> None:
    # Even a correctly signed payload must decode to a non-empty object.
    cursor = codec.encode({}, scope=SCOPE)
    with pytest.raises(InvalidCursorError):
        codec.decode(cursor, scope=SCOPE)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "abc",
        "a.b",
        "a.b.c",
        "é.é",
        "%%%.%%%",
        "eyJ9.",
        "." + "A" * 43,
        "x" * (MAX_CURSOR_LENGTH + 1),
    ],
)
def test_garbage_is_refused(codec: CursorCodec, garbage: str) -> None:
    with pytest.raises(InvalidCursorError):
        codec.decode(garbage, scope=SCOPE)


def test_a_short_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CursorCodec(b"short").encode(RESUME_KEY, scope=SCOPE)


def test_invalid_cursor_message_says_what_to_do(codec: CursorCodec) -> None:
    with pytest.raises(InvalidCursorError, match="without a cursor"):
        codec.decode("nope", scope=SCOPE)
