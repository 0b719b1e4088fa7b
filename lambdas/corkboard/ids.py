"""Time-sortable identifiers (ULIDs) for boards and tasks.

Hand-written on purpose: a ULID is ten lines of code, while a ULID package would have to be bundled into
the Lambda asset (the Powertools layer ships none) and imported at every cold start.
"""

import os
import time

__all__ = ["new_ulid"]

_CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    """A 26-character ULID: 48 bits of Unix milliseconds then 80 random bits, in Crockford base32.

    Ids sort by creation time to the millisecond, so a Query on ``TASK#{id}`` keys lists tasks in the order
    they were created; within one millisecond the order is random.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD_BASE32[(value >> shift) & 0x1F] for shift in range(125, -5, -5))
