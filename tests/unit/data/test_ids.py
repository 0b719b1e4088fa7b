"""The hand-written ULID generator: format, uniqueness and time ordering."""

import re

import pytest

from corkboard import ids
from corkboard.ids import new_ulid

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def test_ulid_is_26_crockford_base32_characters() -> None:
    assert _ULID.match(new_ulid())


def test_ulids_are_unique() -> None:
    assert len({new_ulid() for _ in range(10_000)}) == 10_000


def test_ulids_sort_by_creation_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    generated = []
    for millisecond in (1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000):
        monkeypatch.setattr(ids.time, "time_ns", lambda ms=millisecond: ms * 1_000_000)
        generated.append(new_ulid())
    assert generated == sorted(generated)


def test_ulid_encodes_the_timestamp_in_its_first_ten_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_469_918_176_385 * 1_000_000)
    # The ULID specification's own example timestamp.
    assert new_ulid()[:10] == "01ARYZ6S41"
