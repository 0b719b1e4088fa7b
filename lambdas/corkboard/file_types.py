"""The file types an attachment may have, and how to recognise each one from its first bytes.

One list serves both ends of an upload: the API refuses a declared type that is not here (415) before
it signs anything, and the uploads function checks the stored bytes against the same entry, so a file
declared ``image/png`` that starts like HTML is rejected. Types are matched exactly (after trimming and
lower-casing); parameters such as ``; charset=utf-8`` are not accepted, because the upload policy pins
the ``Content-Type`` the client sends to the exact value stored on the record.

Example:
    >>> file_type("image/png").matches(b"\\x89PNG\\r\\n\\x1a\\n...", complete=False)
    True
"""

import codecs
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ALLOWED_FILE_TYPES", "SNIFF_BYTES", "FileType", "file_type", "normalize_content_type"]

# Enough for every signature below and for a meaningful text check, small enough to read in one Range GET.
SNIFF_BYTES = 8 * 1024

# (offset, bytes): all parts of one signature must be present.
Signature = tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class FileType:
    """An allowed content type: binary types by their magic numbers, text types as NUL-free UTF-8."""

    content_type: str
    signatures: tuple[Signature, ...] = ()
    text: bool = False

    def matches(self, head: bytes, *, complete: bool) -> bool:
        """Whether ``head``, the file's first bytes (``complete``: the whole file), fits this type."""
        if self.text:
            return _is_utf8_text(head, complete=complete)
        return any(_has_signature(head, signature) for signature in self.signatures)


def _has_signature(head: bytes, signature: Signature) -> bool:
    return all(head[offset : offset + len(magic)] == magic for offset, magic in signature)


def _is_utf8_text(head: bytes, *, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    # An incremental decoder accepts a multi-byte character cut off by the end of a partial read.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _starts_with(magic: bytes) -> Signature:
    return ((0, magic),)


ALLOWED_FILE_TYPES: Mapping[str, FileType] = {
    kind.content_type: kind
    for kind in (
        FileType("image/png", (_starts_with(b"\x89PNG\r\n\x1a\n"),)),
        FileType("image/jpeg", (_starts_with(b"\xff\xd8\xff"),)),
        FileType("image/gif", (_starts_with(b"GIF87a"), _starts_with(b"GIF89a"))),
        FileType("image/webp", (((0, b"RIFF"), (8, b"WEBP")),)),
        FileType("application/pdf", (_starts_with(b"%PDF-"),)),
        FileType("text/plain", text=True),
        FileType("text/csv", text=True),
    )
}


def normalize_content_type(content_type: str) -> str:
    """The form a declared type is looked up, stored and pinned in: trimmed and lower-case."""
    return content_type.strip().lower()


def file_type(content_type: str) -> FileType | None:
    """The allowed type for ``content_type`` (normalized first), or None when it is not allowed."""
    return ALLOWED_FILE_TYPES.get(normalize_content_type(content_type))
