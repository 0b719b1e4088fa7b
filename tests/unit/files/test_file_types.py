"""The allowlist: each type is recognised by its own first bytes and by nothing else's."""

import pytest

from corkboard.file_types import ALLOWED_FILE_TYPES, file_type

SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xdb\x00\x43\x00",
    "image/gif": b"GIF87a\x01\x00\x01\x00",
    "image/webp": b"RIFF\x1a\x00\x00\x00WEBPVP8L",
    # Real PDFs put non-text bytes in their second line precisely so tools treat them as binary.
    "application/pdf": b"%PDF-2.0\n%\xe2\xe3\xcf\xd3\n",
}


@pytest.mark.parametrize(("content_type", "start"), SAMPLES.items())
def test_a_binary_type_matches_its_own_signature_only(content_type: str, start: bytes) -> None:
    matching = {kind for kind, entry in ALLOWED_FILE_TYPES.items() if entry.matches(start, complete=True)}

    assert matching == {content_type}


def test_every_allowed_type_has_a_sample_or_is_text() -> None:
    assert {kind for kind, entry in ALLOWED_FILE_TYPES.items() if not entry.text} == set(SAMPLES)


def test_webp_needs_both_parts_of_its_signature() -> None:
    webp = ALLOWED_FILE_TYPES["image/webp"]

    assert not webp.matches(b"RIFF\x1a\x00\x00\x00WAVEfmt ", complete=True)


@pytest.mark.parametrize("content_type", ["text/plain", "text/csv"])
def test_text_is_utf8_without_nul(content_type: str) -> None:
    text = ALLOWED_FILE_TYPES[content_type]

    assert text.matches("Zürich;Genève\n".encode(), complete=True)
    assert not text.matches(b"a\x00b", complete=True)
    assert not text.matches(b"Z\xfcrich", complete=True)


def test_a_character_cut_by_a_partial_read_is_text_but_not_at_the_end_of_the_file() -> None:
    cut = "é".encode()[:1]
    text = ALLOWED_FILE_TYPES["text/plain"]

    assert text.matches(b"abc" + cut, complete=False)
    assert not text.matches(b"abc" + cut, complete=True)


@pytest.mark.parametrize(
    ("declared", "normal"),
    [("image/png", "image/png"), (" IMAGE/PNG ", "image/png"), ("Text/CSV", "text/csv")],
)
def test_declared_types_are_looked_up_in_normal_form(declared: str, normal: str) -> None:
    kind = file_type(declared)

    assert kind is not None
    assert kind.content_type == normal


@pytest.mark.parametrize("declared", ["text/html", "image/svg+xml", "text/plain; charset=utf-8", ""])
def test_anything_else_is_not_allowed(declared: str) -> None:
    assert file_type(declared) is None
