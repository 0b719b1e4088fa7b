"""Fixtures for the REST API tests: a client over ``api.app.handler`` on moto, and a seeded board.

The shared ``aws`` fixture (tests/unit/conftest.py) provides the tables and the cursor secret; the
request-building helpers live in rest_harness.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from account_snapshot import AccountSnapshot
from moto_account import AwsResources
from rest_harness import Api, SeededBoard

from api.idempotency import persistence_store
from corkboard.services.store import repository


def pytest_configure(config: pytest.Config) -> None:
    # Requests that record no business metric make Powertools warn on every flush; that is expected here.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


@pytest.fixture
def api(aws: Any, connections_table: str) -> Iterator[Api]:
    """A client over the handler on a fresh moto account, with no repository cached by an earlier test.

    The account has the WebSocket connections table too: removing a member or deleting a board ends
    subscriptions in it.
    """
    repository.cache_clear()
    persistence_store.cache_clear()
    yield Api()
    repository.cache_clear()
    persistence_store.cache_clear()


@pytest.fixture(scope="session")
def seeded_accounts() -> dict[int, AccountSnapshot[SeededBoard]]:
    """The account each ``aws`` variant gives, once ``board`` has seeded it, by that variant's resources."""
    return {}


@pytest.fixture
def board(
    api: Api,
    aws: AwsResources,
    seeded_accounts: dict[int, AccountSnapshot[SeededBoard]],
    monkeypatch: pytest.MonkeyPatch,
) -> SeededBoard:
    """A board owned by ``owner``, with ``viewer``, ``editor`` and one extra viewer as members, and a task.

    Seeded through the API in the first test of each ``aws`` variant (the in-process account, the moto
    server's with and without bucket versions: each yields its own resources object), then put back as that
    test left it after seeding: six requests a test cost more than half of this package's run.
    """
    seeded = seeded_accounts.get(id(aws))
    if seeded is not None:
        return seeded.restore(monkeypatch)
    board = _seed(api)
    seeded_accounts[id(aws)] = AccountSnapshot.of_running(board)
    return board


def _seed(api: Api) -> SeededBoard:
    created = api.call("POST", "/boards", "owner", json_body={"name": "Launch", "description": "Q3 launch"})
    assert created.status == 201, created.body
    board_id = created.body["boardId"]
    for user, role in (("user-viewer", "viewer"), ("user-editor", "editor"), ("user-extra", "viewer")):
        added = api.call("PUT", f"/boards/{board_id}/members/{user}", "owner", json_body={"role": role})
        assert added.status == 200, added.body
    task = api.call("POST", f"/boards/{board_id}/tasks", "owner", json_body={"title": "Write the docs"})
    assert task.status == 201, task.body
    return SeededBoard(
        board_id=board_id,
        task_id=task.body["taskId"],
        task_version=task.body["version"],
        board_version=created.body["version"],
        extra_member="user-extra",
    )
