"""Replays a wscat session shown in the docs with a real WebSocket client, frame by frame.

A session is wscat's own screen, one line each:

- ``Connected (press CTRL+C to quit)``: the handshake succeeds; ``error: Unexpected server response: 401``:
  it is refused with that status;
- ``> FRAME``: the reader sends FRAME;
- ``< FRAME``: the next frame is FRAME exactly, where ``…`` stands for any text (ids, times);
- ``(in another terminal) $ COMMAND``: the reader runs COMMAND in the page's shell (e.g. a curl that
  causes an event).

Board events come from a stream, asynchronously: an event frame the session does not show at that point
(the owner's own ``member.added``, arriving late) is passed over. A reply to a frame never is.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

__all__ = ["SessionStep", "TranscriptError", "parse_transcript", "replay"]

_CONNECTED = "Connected (press CTRL+C to quit)"
_REFUSED = re.compile(r"^error: Unexpected server response: (?P<status>\d{3})$")
_ELSEWHERE = re.compile(r"^\(in another terminal\) \$ (?P<command>.+)$")
_FRAME_SECONDS = 60

StepKind = Literal["connected", "refused", "send", "receive", "shell"]


class TranscriptError(AssertionError):
    """The session went otherwise than the page shows; the message says at which line and how."""


@dataclass(frozen=True)
class SessionStep:
    kind: StepKind
    text: str
    line: int


def parse_transcript(transcript: str) -> list[SessionStep]:
    steps: list[SessionStep] = []
    for number, raw in enumerate(transcript.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == _CONNECTED:
            steps.append(SessionStep("connected", "", number))
        elif refused := _REFUSED.match(line):
            steps.append(SessionStep("refused", refused["status"], number))
        elif line.startswith(("> ", "< ")):
            steps.append(SessionStep("send" if line[0] == ">" else "receive", line[2:], number))
        elif elsewhere := _ELSEWHERE.match(line):
            steps.append(SessionStep("shell", elsewhere["command"], number))
        else:
            raise TranscriptError(f"line {number} of the session is not a form wscat_replay knows: {line}")
    if not steps or steps[0].kind not in {"connected", "refused"}:
        raise TranscriptError(
            f"a session starts with {_CONNECTED!r} or 'error: Unexpected server response: NNN'."
        )
    return steps


def replay(
    url: str, steps: list[SessionStep], *, values: Mapping[str, str], run_shell: Callable[[str], None]
) -> None:
    """Plays ``steps`` against ``url``; ``values`` maps each example value of the page to the reader's own."""
    first, rest = steps[0], steps[1:]
    try:
        socket = connect(url, open_timeout=_FRAME_SECONDS, proxy=None)
    except InvalidStatus as refusal:
        status = str(refusal.response.status_code)
        if first.kind == "refused" and first.text == status and not rest:
            return
        raise TranscriptError(f"line {first.line}: the handshake was refused with {status}") from None
    with socket:
        if first.kind != "connected":
            raise TranscriptError(f"line {first.line}: the handshake succeeded, the page says it is refused")
        for step in rest:
            _play(socket, step, values, run_shell)


def _play(
    socket: ClientConnection, step: SessionStep, values: Mapping[str, str], run_shell: Callable[[str], None]
) -> None:
    match step.kind:
        case "send":
            socket.send(_with_values(step.text, values))
        case "receive":
            _receive(socket, step, _with_values(step.text, values))
        case "shell":
            run_shell(step.text)
        case _:
            raise TranscriptError(f"line {step.line}: {step.kind!r} belongs on the session's first line only")


def _receive(socket: ClientConnection, step: SessionStep, expected: str) -> None:
    pattern = re.compile(".*".join(re.escape(part) for part in expected.split("…")), re.DOTALL)
    passed_over: list[str] = []
    while True:
        try:
            frame = str(socket.recv(timeout=_FRAME_SECONDS))
        except TimeoutError:
            raise TranscriptError(
                f"line {step.line}: no frame within {_FRAME_SECONDS} s; expected {expected}"
                + (f" (passed over: {passed_over})" if passed_over else "")
            ) from None
        if pattern.fullmatch(frame):
            return
        if not _is_board_event(frame):
            raise TranscriptError(f"line {step.line}: expected\n  {expected}\nreceived\n  {frame}")
        passed_over.append(frame)


def _is_board_event(frame: str) -> bool:
    try:
        parsed = json.loads(frame)
    except ValueError:
        return False
    return isinstance(parsed, dict) and "." in str(parsed.get("type", "")) and "data" in parsed


def _with_values(text: str, values: Mapping[str, str]) -> str:
    for example, actual in values.items():
        text = text.replace(example, actual)
    return text
