"""The journey a smoke run takes: what every healthy Corkboard deployment must do, end to end.

Each step is a call a client makes; cleanup steps run in reverse order even when a step fails, so a
failed run leaves neither its board (with its task, attachment and file) nor its user behind.
"""

import json
import secrets
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

from smoke.deployment import SmokeTarget
from smoke.steps import SmokeStepError, StepLog
from smoke.temporary_user import create_signed_in_user, delete_user

__all__ = ["run_journey"]

_FILE_NAME = "smoke-test.txt"
_FILE_BYTES = b"Corkboard smoke test: this file is deleted with its board.\n"


def run_journey(target: SmokeTarget, cognito: Any, log: StepLog, *, timeout: float = 30.0) -> None:
    """Runs every step against ``target``; raises at the first failure, after cleaning up what it made."""
    http = requests.Session()
    with ExitStack() as cleanup:
        with log.step("GET /health answers 200"):
            _expect(http.get(target.rest("health"), timeout=timeout), 200)
        with log.step("sign in a temporary user in the smoke-test group"):
            user = create_signed_in_user(
                cognito,
                user_pool_id=target.user_pool_id,
                client_id=target.client_id,
                group=target.smoke_test_group,
            )
        cleanup.callback(
            _logged,
            log,
            "delete the temporary user",
            lambda: delete_user(cognito, user_pool_id=target.user_pool_id, username=user.username),
        )
        http.headers["Authorization"] = user.id_token
        with log.step("GET /me names the user and the smoke-test group"):
            me = _expect(http.get(target.rest("me"), timeout=timeout), 200)
            if target.smoke_test_group not in me.get("groups", []):
                raise SmokeStepError(
                    f"GET /me lists groups {me.get('groups')}, not {target.smoke_test_group}"
                )
        with log.step("create a board"):
            board = _expect(_post(http, target.rest("boards"), {"name": "Smoke test"}, timeout), 201)
        board_url = target.rest(f"boards/{board['boardId']}")
        cleanup.callback(
            _logged,
            log,
            "delete the board and everything in it",
            lambda: _delete_board(http, board_url, timeout),
        )
        with log.step("open the WebSocket and subscribe to the board"):
            socket = cleanup.enter_context(
                connect(f"{target.websocket_url}?token={user.id_token}", open_timeout=timeout)
            )
            socket.send(json.dumps({"action": "subscribe", "boardId": board["boardId"]}))
            _await_frame(socket, timeout, lambda frame: frame.get("type") == "subscribed")
        with log.step("create a task"):
            task = _expect(_post(http, f"{board_url}/tasks", {"title": "Smoke test task"}, timeout), 201)
        with log.step("receive task.created over the WebSocket"):
            _await_frame(
                socket,
                timeout,
                lambda frame: (
                    frame.get("type") == "task.created"
                    and frame.get("data", {}).get("taskId") == task["taskId"]
                ),
            )
        attachments_url = f"{board_url}/tasks/{task['taskId']}/attachments"
        with log.step("upload a file through the presigned POST"):
            started = _expect(
                _post(
                    http,
                    attachments_url,
                    {"fileName": _FILE_NAME, "contentType": "text/plain", "size": len(_FILE_BYTES)},
                    timeout,
                ),
                201,
            )
            form = started["upload"]
            uploaded = requests.post(
                form["url"],
                data=form["fields"],
                files={"file": (_FILE_NAME, _FILE_BYTES, "text/plain")},
                timeout=timeout,
            )
            if uploaded.status_code not in (200, 201, 204):
                raise SmokeStepError(
                    f"S3 answered {uploaded.status_code} to the upload: {uploaded.text[:300]}"
                )
        with log.step("the upload is checked and ready to download"):
            ready = _await_ready(http, attachments_url, started["attachment"]["attachmentId"], timeout)
            downloaded = requests.get(ready["downloadUrl"], timeout=timeout)
            if downloaded.content != _FILE_BYTES:
                raise SmokeStepError(f"the download answered {downloaded.status_code} with other bytes")


def _post(http: requests.Session, url: str, body: dict[str, Any], timeout: float) -> requests.Response:
    # A fresh key per call: a retried smoke run must never replay an earlier run's response.
    return http.post(url, json=body, headers={"Idempotency-Key": secrets.token_hex(16)}, timeout=timeout)


def _expect(response: requests.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise SmokeStepError(
            f"{response.request.method} {response.url} answered {response.status_code}, not {status}: "
            f"{response.text[:300]}"
        )
    return response.json() if response.content else {}


def _await_frame(
    socket: ClientConnection, timeout: float, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            raw = socket.recv(timeout=remaining)
        except TimeoutError:
            break
        frame = json.loads(raw)
        if wanted(frame):
            return frame
        seen.append(_describe(frame))
    raise SmokeStepError(f"no such frame within {timeout:.0f} s (saw: {', '.join(seen) or 'nothing'})")


def _describe(frame: dict[str, Any]) -> str:
    """A frame's type, and for an error frame its code and message: what an operator needs to act."""
    if frame.get("type") == "error":
        return f"error {frame.get('error')}: {frame.get('message')}"
    return str(frame.get("type"))


def _await_ready(http: requests.Session, url: str, attachment_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status = "missing"
    while time.monotonic() < deadline:
        items = _expect(http.get(url, timeout=timeout), 200)["items"]
        mine = next((item for item in items if item["attachmentId"] == attachment_id), None)
        status = mine["status"] if mine else "missing"
        if status == "ready":
            return mine
        if status == "rejected":
            raise SmokeStepError(f"the upload was rejected: {mine.get('rejectionReason')}")
        time.sleep(0.5)
    raise SmokeStepError(f"the attachment was still {status} after {timeout:.0f} s")


def _delete_board(http: requests.Session, board_url: str, timeout: float) -> None:
    _expect(http.delete(board_url, timeout=timeout), 204)
    gone = http.get(board_url, timeout=timeout)
    if gone.status_code != 404:
        raise SmokeStepError(f"the deleted board still answers {gone.status_code}")


def _logged(log: StepLog, name: str, action: Callable[[], None]) -> None:
    with log.step(name):
        action()
