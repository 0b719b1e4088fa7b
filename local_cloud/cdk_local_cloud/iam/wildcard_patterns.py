"""IAM's two wildcards: ``*`` (any run of characters, ``/`` and ``:`` included) and ``?`` (one character).

Not fnmatch: IAM has no ``[...]`` classes, and ARNs and S3 keys may hold brackets literally.
"""

import re
from functools import lru_cache

__all__ = ["matches", "may_overlap"]


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether ``value`` (taken literally) matches the IAM ``pattern``."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def may_overlap(first: str, second: str) -> bool:
    """Whether some string matches both patterns.

    A request whose resource is only known as a pattern (a secret by name, a key by alias) is covered by a
    statement whose pattern could name the same resource.
    """
    reached: set[tuple[int, int]] = set()
    pending = [(0, 0)]
    while pending:
        state = pending.pop()
        if state in reached:
            continue
        reached.add(state)
        if state == (len(first), len(second)):
            return True
        pending.extend(_next_states(first, second, *state))
    return False


def _next_states(first: str, second: str, i: int, j: int) -> list[tuple[int, int]]:
    """Steps of the product automaton: a ``*`` stops here, or absorbs the other side's next token."""
    left = first[i] if i < len(first) else None
    right = second[j] if j < len(second) else None
    states = []
    if left == "*":
        states.append((i + 1, j))
        if right is not None:
            states.append((i, j + 1))
    if right == "*":
        states.append((i, j + 1))
        if left is not None:
            states.append((i + 1, j))
    if left not in (None, "*") and right not in (None, "*") and (left == right or "?" in (left, right)):
        states.append((i + 1, j + 1))
    return states
