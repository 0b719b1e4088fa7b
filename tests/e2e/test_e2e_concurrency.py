"""Optimistic locking where it lives: 50 concurrent PATCHes of one task at one version, in the local cloud.

Lambda serves one request per execution environment at a time, and so does the local cloud: each request
goes to a worker process of the REST function that serves nothing else meanwhile (up to 10 workers per
function, so at most 10 PATCHes run at once and the rest wait for a free worker, as they would wait for
Lambda's concurrency). Every writer reads the task and sends its conditional write from its own process;
only DynamoDB's condition can pick the winner. The stage's burst limit (40) answers some of the 50 with 429
before they reach a function, so each client sends again on 429, as a client should.

moto does not serialise conditional writes to one item as DynamoDB does; ``atomic_item_writes``
(tests/conftest.py) gives the embedded AWS, which runs in this process, that guarantee.
"""

from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from threading import Barrier

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tests.e2e.clients import Api
from tests.e2e.conftest import SignIn

WRITERS = 50
_THROTTLE_RETRIES = 20
_THROTTLE_BACKOFF_SECONDS = 0.2


def _patient_session(token: str) -> requests.Session:
    """A client that sends a request again while the stage answers 429 (which never reached the function)."""
    session = requests.Session()
    session.headers["Authorization"] = token
    retry = Retry(
        total=_THROTTLE_RETRIES,
        connect=0,
        read=0,
        status=_THROTTLE_RETRIES,
        status_forcelist=[HTTPStatus.TOO_MANY_REQUESTS],
        allowed_methods=None,
        backoff_factor=_THROTTLE_BACKOFF_SECONDS,
        raise_on_status=False,
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


@pytest.mark.usefixtures("atomic_item_writes")
def test_of_fifty_concurrent_patches_at_one_version_exactly_one_wins(rest_url: str, sign_in: SignIn) -> None:
    token = sign_in("concurrent-editor")
    owner = Api(rest_url, token)
    board_id = owner.call("POST", "/boards", 201, {"name": "Contended"})["boardId"]
    task = owner.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "start"})
    path = f"{rest_url}/boards/{board_id}/tasks/{task['taskId']}"
    start = Barrier(WRITERS)

    def patch(writer: int) -> tuple[int, str | None, str]:
        title = f"written by {writer}"
        with _patient_session(token) as session:
            start.wait()
            response = session.patch(path, json={"version": task["version"], "title": title}, timeout=120)
        return response.status_code, response.json().get("error"), title

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(patch, range(WRITERS)))

    assert sorted(status for status, _, _ in results) == [200] + [409] * (WRITERS - 1)
    assert {error for status, error, _ in results if status == 409} == {"version_conflict"}
    (winner,) = [title for status, _, title in results if status == 200]
    stored = owner.call("GET", f"/boards/{board_id}/tasks/{task['taskId']}", 200)
    assert (stored["title"], stored["version"]) == (winner, task["version"] + 1)
