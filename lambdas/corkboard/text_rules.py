"""Which characters text from clients may hold: one rule type for board names, task titles, descriptions and
attachment file names (:data:`corkboard.file_names.FILE_NAME_RULE`).

Such text is shown to other people, in pages, terminals, notifications and file dialogs. Refused in all
of it (:data:`TEXT_REFUSED_RANGES`):

- control characters (C0, DEL and C1; NUL among them): they end C strings, move terminal cursors and
  split log lines. A description may still hold tabs and line breaks;
- the line and paragraph separators U+2028 and U+2029: invisible line breaks;
- bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): they make text
  display in another order than it is stored ("Trojan Source"; ``gpj.exe`` read as ``exe.jpg``).

(Lone surrogates, which a JSON ``\\ud800`` escape can carry, never get this far: pydantic refuses a
string that UTF-8 cannot encode.)

A rule is a list of code point ranges (and a few exact characters and whole texts), so the same rule is
published as the JSON Schema ``pattern`` of each field (:attr:`TextRule.pattern`): clients and fuzzers
read the rule the API applies. A pattern spells code points of the Basic Multilingual Plane only, the
common ground of ECMA-262 and Python regular expressions; what a rule refuses beyond it (by Unicode
category) is enforced by :meth:`TextRule.check` alone.

Example:
    >>> SINGLE_LINE.check("Launch \\u202egnp.exe")
    Traceback (most recent call last):
    ValueError: U+202E (RIGHT-TO-LEFT OVERRIDE) at character 8 is not allowed here: ...
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BLANKS",
    "BMP_FORMAT_CHARACTER_RANGES",
    "MULTI_LINE",
    "SINGLE_LINE",
    "TEXT_REFUSED_RANGES",
    "TextRule",
]

Ranges = tuple[tuple[int, int], ...]

_CONTROLS: Ranges = ((0x00, 0x1F), (0x7F, 0x9F))
_SEPARATORS: Ranges = ((0x2028, 0x2029),)
_BIDI_CONTROLS: Ranges = ((0x202A, 0x202E), (0x2066, 0x2069))
TEXT_REFUSED_RANGES: Ranges = (*_CONTROLS, *_SEPARATORS, *_BIDI_CONTROLS)
# The invisible format characters (category Cf) of the Basic Multilingual Plane as of Unicode 15.1: soft
# hyphen, Arabic number signs, zero-width characters and marks, bidi controls, word joiners, BOM,
# interlinear annotation. A rule that refuses them also names category Cf, so that the check catches the
# rest (and any a later Unicode adds).
BMP_FORMAT_CHARACTER_RANGES: Ranges = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
)
_LINE_BREAKS_AND_TABS = "\t\n\r"
# What str.strip() removes, less what every rule refuses anyway: the spaces that can make a name blank.
BLANKS = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)


@dataclass(frozen=True, kw_only=True)
class TextRule:
    """What one kind of text refuses: code point ranges (minus ``allowed``), exact characters, whole texts
    (such as ``..``), Unicode categories, and, unless ``blank_allowed``, text with nothing visible."""

    refused_ranges: Ranges
    allowed: str = ""
    refused_characters: str = ""
    refused_texts: tuple[str, ...] = ()
    refused_categories: frozenset[str] = frozenset()
    blank_allowed: bool = True
    advice: str = "remove control, line-separator and bidirectional-override characters"

    @property
    def pattern(self) -> str:
        """An ECMA-262 and Python regular expression matching the text this rule accepts, but for what only a
        category names (see the module docstring)."""
        refused = "".join(_class_ranges(self._effective_ranges())) + re.escape(self.refused_characters)
        not_a_refused_text = "".join(f"(?!{re.escape(text)}$)" for text in self.refused_texts)
        if self.blank_allowed:
            return f"^{not_a_refused_text}[^{refused}]*$"
        spaces = "".join(_class_ranges((ord(space), ord(space)) for space in BLANKS))
        return f"^{not_a_refused_text}[^{refused}]*[^{refused}{spaces}][^{refused}]*$"

    def check(self, text: str) -> str:
        """``text`` if this rule accepts it, else a ValueError saying what to change (pydantic: a 400)."""
        if not self.blank_allowed and not text.strip():
            raise ValueError("the text is blank: give it at least one visible character")
        if text in self.refused_texts:
            raise ValueError(f"{text!r} is not allowed here")
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
        if character in self.refused_characters:
            return True
        if any(low <= code <= high for low, high in self.refused_ranges):
            return True
        return unicodedata.category(character) in self.refused_categories

    def _effective_ranges(self) -> list[tuple[int, int]]:
        holes = sorted(ord(character) for character in self.allowed)
        return [piece for low, high in self.refused_ranges for piece in _without(low, high, holes)]


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


SINGLE_LINE = TextRule(refused_ranges=TEXT_REFUSED_RANGES, blank_allowed=False)
"""Board names and task titles: one line of text that is not blank."""

MULTI_LINE = TextRule(
    refused_ranges=TEXT_REFUSED_RANGES,
    allowed=_LINE_BREAKS_AND_TABS,
    advice="remove control and bidirectional-override characters (tab, CR and LF are fine)",
)
"""Descriptions: like a title, plus tab and line breaks, and possibly empty."""
