"""The shell blocks of a markdown page, in order, with what the page says about running them.

Markdown is parsed with markdown-it-py (CommonMark), so fences inside lists, ``~~~`` fences and HTML comments
are found as a renderer finds them. A page steers its test with an HTML comment right before a fence:

- ``<!-- docs-test: skip reason="needs an AWS account" -->``: not run; the test reports the reason.
- ``<!-- docs-test: expect output="^204$" -->``: the block's output must match the regular expression.
- ``<!-- docs-test: transcript BOARD="01JBOARD0000000000000000AA" -->`` before a wscat session: in the
  session, that example value stands for the shell variable's value (the reader types their own board id).

A shell block that runs ``wscat`` must be followed by its session: a fence without a language, which
``wscat_replay`` replays with a real WebSocket client.
"""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["SHELL_LANGUAGES", "DocBlock", "MarkerError", "doc_blocks"]

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell"})
_MARKER = re.compile(r"^<!--\s*docs-test:\s*(?P<kind>[a-z-]+)(?P<attributes>.*?)\s*-->\s*$", re.DOTALL)
_ATTRIBUTES = {"skip": {"reason"}, "expect": {"output"}}
_WSCAT = re.compile(r"(^|[\s;&|(])(npx\s+(-y\s+|--yes\s+)?)?wscat(@\S+)?\s", re.MULTILINE)


class MarkerError(ValueError):
    """A ``docs-test`` comment the harness cannot follow; the message names the page and line."""


@dataclass(frozen=True)
class DocBlock:
    """One shell block: its text, where it is, and how the page says to run it."""

    page: Path
    line: int
    text: str
    skip_reason: str | None = None
    expected_output: str | None = None
    # The wscat session that follows the block, with the example values that stand for shell variables.
    transcript: str | None = None
    transcript_values: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"

    @property
    def runs_wscat(self) -> bool:
        return bool(_WSCAT.search(self.text + "\n"))


def doc_blocks(page: Path) -> list[DocBlock]:
    """Every shell block of ``page`` in reading order; :class:`MarkerError` for a marker it cannot use."""
    tokens = [token for token in MarkdownIt("commonmark").parse(page.read_text()) if token.map is not None]
    blocks: list[DocBlock] = []
    markers: dict[str, dict[str, str]] = {}
    index = 0
    while index < len(tokens):
        token, where = tokens[index], f"{page.name}:{tokens[index].map[0] + 1}"
        index += 1
        if _is_marker(token):
            kind, attributes = _parse_marker(token.content, where)
            markers[kind] = attributes
            continue
        if token.type == "fence" and _language(token) in SHELL_LANGUAGES and "transcript" not in markers:
            block = DocBlock(
                page=page,
                line=token.map[0] + 1,
                text=token.content,
                skip_reason=markers.get("skip", {}).get("reason"),
                expected_output=markers.get("expect", {}).get("output"),
            )
            if block.runs_wscat and not block.skip_reason:
                block, index = _with_transcript(block, tokens, index)
            blocks.append(block)
        elif markers:
            raise MarkerError(
                f"{where}: a docs-test marker must come right before the shell block it is for."
            )
        markers = {}
    return blocks


def _with_transcript(block: DocBlock, tokens: list[Token], index: int) -> tuple[DocBlock, int]:
    """The block with the session fence that follows it (after an optional transcript marker)."""
    values: dict[str, str] = {}
    if index < len(tokens) and _is_marker(tokens[index]):
        kind, values = _parse_marker(tokens[index].content, f"{block.page.name}:{tokens[index].map[0] + 1}")
        if kind != "transcript":
            values = {}
            index -= 1
        index += 1
    if index >= len(tokens) or tokens[index].type != "fence" or _language(tokens[index]):
        raise MarkerError(
            f"{block.where}: a block that runs wscat must be followed by its session (a fence without a "
            "language: Connected ..., > sent, < received), which the test replays."
        )
    session = DocBlock(
        block.page, block.line, block.text, None, block.expected_output, tokens[index].content, values
    )
    return session, index + 1


def _is_marker(token: Token) -> bool:
    return token.type == "html_block" and "docs-test:" in token.content


def _language(token: Token) -> str:
    return token.info.strip().split(" ")[0]


def _parse_marker(comment: str, where: str) -> tuple[str, dict[str, str]]:
    match = _MARKER.match(comment.strip())
    if not match:
        raise MarkerError(f'{where}: write a marker as <!-- docs-test: KIND name="value" -->.')
    kind = match["kind"]
    try:
        words = shlex.split(match["attributes"])
    except ValueError as error:
        raise MarkerError(f"{where}: the marker's attributes do not parse ({error}).") from None
    attributes = dict(word.split("=", 1) for word in words if "=" in word)
    if len(attributes) != len(words):
        raise MarkerError(f'{where}: every attribute of a marker is name="value".')
    if kind == "transcript":
        return kind, attributes
    if kind not in _ATTRIBUTES:
        raise MarkerError(f"{where}: unknown marker kind {kind!r}; use skip, expect or transcript.")
    if set(attributes) != _ATTRIBUTES[kind] or not all(attributes.values()):
        raise MarkerError(f"{where}: a {kind} marker takes exactly {sorted(_ATTRIBUTES[kind])}, not empty.")
    return kind, attributes
