"""The WebSocket protocol's frames: what a client may send, what it is answered, and the error codes.

Client to server (API Gateway routes on ``action``)::

    {"action": "subscribe", "boardId": "01J..."}     ->  {"type": "subscribed", "boardId": "01J..."}
    {"action": "unsubscribe", "boardId": "01J..."}   ->  {"type": "unsubscribed", "boardId": "01J..."}
    {"action": "ping"}                               ->  {"type": "pong"}

Anything wrong is answered ``{"type": "error", "error": CODE, "message": ...}`` and the socket stays
open. Codes: ``malformed_json`` (not JSON), ``invalid_request`` (not an object, nested deeper than
:data:`corkboard.client_json.MAX_NESTING_DEPTH`, an integer too long to read, a missing, invalid or
unknown field), ``unknown_action``, ``board_not_found`` (no such board, or not one you may see: the same
answer, so ids cannot be probed), plus the REST API's server-side codes (``service_unavailable``,
``internal_error``). Frames are camelCase and refuse unknown fields, as REST bodies do.

Example:
    >>> parse_frame('{"action": "subscribe", "boardId": "01J"}')
    SubscribeFrame(action='subscribe', board_id='01J')
"""

import json
from typing import Any, Literal

from pydantic import ConfigDict, ValidationError

from corkboard.client_json import read_client_json
from corkboard.errors import CorkboardError, InvalidRequestError, ResourceNotFoundError
from corkboard.views import ApiModel, Identifier

__all__ = [
    "ACTIONS",
    "BoardNotFoundError",
    "ClientFrame",
    "PingFrame",
    "SubscribeFrame",
    "UnknownActionError",
    "UnsubscribeFrame",
    "error_frame",
    "parse_frame",
    "pong",
    "subscribed",
    "unsubscribed",
]


class _Frame(ApiModel):
    model_config = ConfigDict(extra="forbid")


class SubscribeFrame(_Frame):
    """Start receiving a board's events."""

    action: Literal["subscribe"]
    board_id: Identifier


class UnsubscribeFrame(_Frame):
    """Stop receiving a board's events."""

    action: Literal["unsubscribe"]
    board_id: Identifier


class PingFrame(_Frame):
    """A keep-alive: API Gateway closes a connection idle for 10 minutes."""

    action: Literal["ping"]


ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame

_FRAMES: dict[str, type[ClientFrame]] = {
    "subscribe": SubscribeFrame,
    "unsubscribe": UnsubscribeFrame,
    "ping": PingFrame,
}
ACTIONS = tuple(_FRAMES)
_EXAMPLES = {
    "subscribe": '{"action": "subscribe", "boardId": "<board id>"}',
    "unsubscribe": '{"action": "unsubscribe", "boardId": "<board id>"}',
    "ping": '{"action": "ping"}',
}


class UnknownActionError(CorkboardError):
    """The frame names no action this API serves (or none at all)."""

    status = 400
    code = "unknown_action"

    def __init__(self, action: object) -> None:
        named = "has no action" if action is None else f"names the unknown action {json.dumps(action)}"
        super().__init__(f"The frame {named}. Send one of: {', '.join(ACTIONS)} (see docs/realtime.md).")


class BoardNotFoundError(ResourceNotFoundError):
    """No such board, or the caller may not see it: one answer for both, as over REST."""

    code = "board_not_found"

    def __init__(self, board_id: str) -> None:
        super().__init__("Board", board_id)


def parse_frame(body: str | None) -> ClientFrame:
    """The client's frame; MalformedJsonError, InvalidRequestError or UnknownActionError if it is none."""
    message = read_client_json(body or "")
    if not isinstance(message, dict):
        raise InvalidRequestError(f"Send a JSON object, e.g. {_EXAMPLES['ping']}; see docs/realtime.md.")
    action = message.get("action")
    frame_type = _FRAMES.get(action) if isinstance(action, str) else None
    if frame_type is None:
        raise UnknownActionError(action)
    try:
        return frame_type.model_validate(message)
    except ValidationError as error:
        raise InvalidRequestError(_invalid_frame_message(action, error)) from error


def subscribed(board_id: str) -> dict[str, Any]:
    return {"type": "subscribed", "boardId": board_id}


def unsubscribed(board_id: str) -> dict[str, Any]:
    return {"type": "unsubscribed", "boardId": board_id}


def pong() -> dict[str, Any]:
    return {"type": "pong"}


def error_frame(error: CorkboardError) -> dict[str, Any]:
    return {"type": "error", **error.body()}


def _invalid_frame_message(action: str, error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'frame'}: {problem['msg']}"
        for problem in error.errors()
    )
    return f"The {action} frame is invalid: {problems}. Send {_EXAMPLES[action]}."
