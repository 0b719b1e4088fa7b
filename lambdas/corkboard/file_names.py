"""Attachment file names: what the API accepts, and how a name is put into a download's header.

A file name is only ever a label: the object key is made of ids, so a name cannot choose where a file
goes. It is still refused when it could mislead or break something downstream: path separators (a
client that saves by name must not write outside its folder), control and invisible formatting
characters (a right-to-left override can make ``gpj.exe`` read as ``exe.jpg``), and ``.``/``..``.
:data:`FILE_NAME_RULE` is that rule, a :class:`~corkboard.text_rules.TextRule` like those of names,
titles and descriptions, and published as the field's ``pattern``. Code points that this Python's
Unicode tables do not know yet are accepted: they are most often newer emoji, and every format character
that is known is refused.

Example:
    >>> content_disposition("Q3 report.pdf")
    'attachment; filename="Q3 report.pdf"; filename*=UTF-8\\'\\'Q3%20report.pdf'
"""

from urllib.parse import quote

from corkboard.text_rules import BMP_FORMAT_CHARACTER_RANGES, TEXT_REFUSED_RANGES, TextRule

__all__ = ["FILE_NAME_MAX_LENGTH", "FILE_NAME_RULE", "check_file_name", "content_disposition"]

FILE_NAME_MAX_LENGTH = 255

_SEPARATORS = "/\\"
_DOT_NAMES = (".", "..")
FILE_NAME_RULE = TextRule(
    refused_ranges=(*TEXT_REFUSED_RANGES, *BMP_FORMAT_CHARACTER_RANGES),
    refused_characters=_SEPARATORS,
    refused_texts=_DOT_NAMES,
    refused_categories=frozenset({"Cf"}),
    blank_allowed=False,
    advice="a file name has no control or invisible formatting characters",
)
# Printable ASCII minus the two characters a quoted-string would have to escape.
_PLAIN_HEADER_CHARACTERS = frozenset(chr(code) for code in range(0x20, 0x7F)) - {'"', "\\"}


def check_file_name(name: str) -> str:
    """``name`` if it is acceptable, else ValueError saying what to change (pydantic reports it as a 400)."""
    if not name.strip() or len(name) > FILE_NAME_MAX_LENGTH:
        raise ValueError(f"a file name has 1 to {FILE_NAME_MAX_LENGTH} characters and is not blank")
    if name in _DOT_NAMES:
        raise ValueError("'.' and '..' are not file names")
    if set(_SEPARATORS) & set(name):
        raise ValueError("a file name has no path: remove '/' and '\\'")
    return FILE_NAME_RULE.check(name)


def content_disposition(file_name: str) -> str:
    """A ``Content-Disposition`` that makes browsers download the file under its name, never display it.

    ``filename`` is an ASCII stand-in for old clients; ``filename*`` (RFC 6266) carries the exact name.
    """
    plain = "".join(character if character in _PLAIN_HEADER_CHARACTERS else "_" for character in file_name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"
