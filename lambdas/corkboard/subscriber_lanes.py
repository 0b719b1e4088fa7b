"""The lanes a board's subscribers are filed in, so that a fan-out reads a bounded part of a board at a time.

A Subscriber's sort key starts with its connection's key lane, the top six bits of ``crc32(connection id)``:
64 key lanes, each one contiguous run of the board's sort keys. A sender of the sharded fan-out then reads
its share of a board with one Query of a key range, however large the board, and the broadcaster never
has to list a large board's subscribers to split them.

The top bits, not ``crc32 mod 64``, so that the message lanes of a fan-out (a power of two of them, at most
64) each cover neighbouring key lanes: message lane = key lane >> (6 - log2(message lanes)), one range of
sort keys whatever the number of message lanes. Dependency-free: the repository renders keys with it and
the fan-out queue splits boards with it.

Example:
    >>> key_lane("L0SM9cOFvHcCIhw=")
    39
    >>> message_lane_of(39, 4)
    LaneRange(first=32, last=47)
"""

import zlib
from dataclasses import dataclass

__all__ = ["KEY_LANES", "LaneRange", "key_lane", "key_lane_label", "message_lane_of", "message_lanes"]

KEY_LANES = 64
_KEY_LANE_BITS = 6
_CRC_BITS = 32


@dataclass(frozen=True, order=True)
class LaneRange:
    """Key lanes ``first`` to ``last`` (both included): what one fan-out message asks a sender to read."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 0 <= self.first <= self.last < KEY_LANES:
            raise ValueError(
                f"Key lanes {self.first} to {self.last} are not a range of 0 to {KEY_LANES - 1}: "
                "give the first lane, then a last lane at least as large."
            )

    @property
    def labels(self) -> str:
        """The range as it names a message group, e.g. ``"20-2f"``."""
        return f"{key_lane_label(self.first)}-{key_lane_label(self.last)}"


def key_lane(connection_id: str) -> int:
    """The key lane (0 to 63) of a connection: the same for every board and for ever."""
    return zlib.crc32(connection_id.encode()) >> (_CRC_BITS - _KEY_LANE_BITS)


def key_lane_label(lane: int) -> str:
    """A key lane as it is written in sort keys: two hex digits, so that the keys sort in lane order."""
    return f"{lane:02x}"


def message_lanes(count: int) -> list[LaneRange]:
    """The key lanes of each of ``count`` message lanes (a power of two, at most 64), in order."""
    width = _lane_width(count)
    return [LaneRange(start, start + width - 1) for start in range(0, KEY_LANES, width)]


def message_lane_of(lane: int, count: int) -> LaneRange:
    """The key lanes of the message lane, out of ``count``, that key lane ``lane`` belongs to."""
    width = _lane_width(count)
    first = lane // width * width
    return LaneRange(first, first + width - 1)


def _lane_width(count: int) -> int:
    if count < 1 or count > KEY_LANES or count & (count - 1):
        raise ValueError(f"{count} message lanes: give a power of two from 1 to {KEY_LANES}.")
    return KEY_LANES // count
