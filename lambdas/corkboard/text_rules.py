"""Which characters text from clients may hold: one rule set for board names, task titles, descriptions and
attachment file names.

Such text is shown to other people, in pages, terminals, notifications and file dialogs. Refused in all
of it:

- control characters (C0, DEL and C1; NUL among them): they end C strings, move terminal cursors and
  split log lines. A description may still hold tabs and line breaks;
- the line and paragraph separators U+2028 and U+2029: invisible line breaks;
- bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): they make text
  display in another order than it is stored ("Trojan Source"; ``gpj.exe`` read as ``exe.jpg``).

(Lone surrogates, which a JSON ``\\ud800`` escape can carry, never get this far: pydantic refuses a
string that UTF-8 cannot encode.)

The refused set is a fixed list of code point ranges, so the same rule is published as the JSON Schema
``pattern`` of each field (:attr:`TextRule.pattern`): clients and fuzzers read the rule the API applies.
File names refuse more (:data:`FILE_NAME`): every invisible format character and unassigned code point,
by Unicode category, since a name that looks like another can trick whoever saves the file.

Example:
    >>> SINGLE_LINE.check("Launch \\u202egnp.exe")
    Traceback (most recent call last):
    ValueError: U+202E (RIGHT-TO-LEFT OVERRIDE) at character 8 is not allowed here: ...
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["BLANKS", "FILE_NAME", "MULTI_LINE", "SINGLE_LINE", "TextRule"]

_CONTROLS = ((0x00, 0x1F), (0x7F, 0x9F))
_SEPARATORS = ((0x2028, 0x2029),)
_BIDI_CONTROLS = ((0x202A, 0x202E), (0x2066, 0x2069))
_LINE_BREAKS_AND_TABS = "\t\n\r"
# What str.strip() removes, less what every rule refuses anyway: the spaces that can make a name blank.
BLANKS = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)


@dataclass(frozen=True)
class TextRule:
    """Characters one kind of text refuses: code point ranges, minus ``allowed``, plus whole categories.

    Only the ranges reach :attr:`pattern`; a rule with ``refused_categories`` is enforced in full by
    :meth:`check` alone.
    """

    refused_ranges: tuple[tuple[int, int], ...]
    allowed: str = ""
    refused_categories: frozenset[str] = frozenset()
    blank_allowed: bool = True
    advice: str = "remove control, line-separator and bidirectional-override characters"

    @property
    def pattern(self) -> str:
        """An ECMA-262 and Python regular expression that matches text without a refused range (and, for a
        rule that refuses blank text, with at least one character that is not a space)."""
        refused = "".join(_class_ranges(self._effective_ranges()))
        if self.blank_allowed:
            return f"^[^{refused}]*$"
        spaces = "".join(_class_ranges((ord(space), ord(space)) for space in BLANKS))
        return f"^[^{refused}]*[^{refused}{spaces}][^{refused}]*$"

    def check(self, text: str) -> str:
        """``text`` if every character is allowed, else a ValueError naming the first that is not."""
        if not self.blank_allowed and not text.strip():
            raise ValueError("the text is blank: give it at least one visible character")
        for position, character in enumerate(text, start=1):
            if self._refuses(character):
                raise ValueError(
                    f"{_describe(character)} at character {position} is not allowed here: {self.advice}"
                )
        return text

    def _refuses(self, character: str) -> bool:
        if character in self.allowed:
            return False
        code = ord(character)
        if any(low <= code <= high for low, high in self.refused_ranges):
            return True
        return unicodedata.category(character) in self.refused_categories

    def _effective_ranges(self) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        for low, high in self.refused_ranges:
            ranges.extend(_without(low, high, sorted(ord(character) for character in self.allowed)))
        return ranges


def _without(low: int, high: int, holes: Iterable[int]) -> list[tuple[int, int]]:
    """The range ``low..high`` split around the code points in ``holes`` (sorted)."""
    pieces: list[tuple[int, int]] = []
    start = low
    for hole in holes:
        if start <= hole <= high:
            if start < hole:
                pieces.append((start, hole - 1))
            start = hole + 1
    if start <= high:
        pieces.append((start, high))
    return pieces


def _class_ranges(ranges: Iterable[tuple[int, int]]) -> list[str]:
    return [f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges]


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


_TEXT_RANGES = (*_CONTROLS, *_SEPARATORS, *_BIDI_CONTROLS)

SINGLE_LINE = TextRule(refused_ranges=_TEXT_RANGES, blank_allowed=False)
"""Board names and task titles: one line of text that is not blank."""

MULTI_LINE = TextRule(
    refused_ranges=_TEXT_RANGES,
    allowed=_LINE_BREAKS_AND_TABS,
    advice="remove control and bidirectional-override characters (tab, CR and LF are fine)",
)
"""Descriptions: like a title, plus tab and line breaks."""

FILE_NAME = TextRule(
    refused_ranges=_TEXT_RANGES,
    refused_categories=frozenset({"Cf", "Cn"}),
    blank_allowed=False,
    advice="a file name has no control or invisible formatting characters",
)
"""Attachment file names: like a title, and no invisible format character (Cf) or unassigned code point."""

# Compiled once here so that a malformed pattern fails at import, in the tests, rather than in a request.
for _rule in (SINGLE_LINE, MULTI_LINE, FILE_NAME):
    re.compile(_rule.pattern)
