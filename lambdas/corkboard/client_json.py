"""JSON that clients send (REST bodies, WebSocket frames), read so that no input can crash the reader.

``json.loads`` fails in three ways besides a syntax error: an integer literal longer than Python's
int-to-string limit (4,300 digits by default) raises a bare ValueError, and deep nesting raises
RecursionError, at a depth that depends on the Python version and the thread's stack; it also accepts
``NaN`` and ``Infinity``, which are not JSON (RFC 8259). Each of these became a 500 or a value nobody
validates. :func:`read_client_json` turns all of them into the catalogue's 400s, and refuses nesting
deeper than :data:`MAX_NESTING_DEPTH` whatever the interpreter would manage, so the answer is the same
everywhere. No API body or frame nests deeper than 2, so the limit never refuses a real request.

The depth walk is written here because neither ``json`` nor pydantic bounds depth before building the
objects.

Example:
    >>> read_client_json('{"action": "ping"}')
    {'action': 'ping'}
    >>> read_client_json("[" * 100 + "]" * 100)
    Traceback (most recent call last):
    corkboard.errors.InvalidRequestError: The JSON nests deeper than 32 levels...
"""

import json
import sys
from typing import Any

from corkboard.errors import InvalidRequestError, MalformedJsonError

__all__ = ["MAX_NESTING_DEPTH", "read_client_json"]

MAX_NESTING_DEPTH = 32


def read_client_json(text: str) -> Any:
    """The document in ``text``; MalformedJsonError if it is not JSON, InvalidRequestError if it is too deep
    or holds an integer too long to read."""
    try:
        document = json.loads(text, parse_int=_integer, parse_constant=_not_json)
    except RecursionError as error:
        raise _too_deep() from error
    except json.JSONDecodeError as error:
        raise MalformedJsonError(f"{error.msg} at character {error.pos}") from error
    if _depth_exceeds(document, MAX_NESTING_DEPTH):
        raise _too_deep()
    return document


def _integer(literal: str) -> int:
    try:
        return int(literal)
    except ValueError as error:  # only the int-to-string limit refuses a literal the scanner accepted
        raise InvalidRequestError(
            f"The JSON holds an integer of {len(literal.lstrip('-'))} digits; integers may have at most "
            f"{sys.get_int_max_str_digits()}. Send a smaller number; see docs/api.md."
        ) from error


def _not_json(constant: str) -> float:
    raise MalformedJsonError(f"{constant} is not a JSON value; send a number or null")


def _too_deep() -> InvalidRequestError:
    return InvalidRequestError(
        f"The JSON nests deeper than {MAX_NESTING_DEPTH} levels. Send a flat object as docs/api.md shows."
    )


def _depth_exceeds(document: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep; iterative, so depth costs no stack."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False
