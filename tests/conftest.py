"""Fixtures that more than one test package needs: the dev app as `make local` synthesizes it, and moto
with DynamoDB's per-item write atomicity (for the data layer's tests and the repository's).

Session-scoped, so each process (each pytest-xdist worker) synthesizes it once, whichever packages it runs;
the tests that use it share a worker where they can (worker_groups.py).
"""

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from threading import RLock
from typing import Any

import pytest
from filelock import FileLock

from tests import worker_groups


def pytest_configure(config: pytest.Config) -> None:
    # Registered here: pytest reads `pytest_plugins` only from the rootdir's conftest.py.
    config.pluginmanager.register(worker_groups, "worker-groups")


@pytest.fixture(scope="session")
def unstaged_dev_assembly(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """What `make local` synthesizes: assets point at the source tree instead of copies (--no-staging)."""
    if not hasattr(request.config, "workerinput"):
        return _synthesize_unstaged(tmp_path_factory.mktemp("cdk.local.out"))
    # Under pytest-xdist the local clouds of the e2e and docs tests run on different workers (one process
    # holds one), and both read this assembly: the first worker to ask synthesizes it for the run, in the
    # directory all of the run's workers share, and the others wait for it (pytest-xdist's documented way).
    outdir = tmp_path_factory.getbasetemp().parent / "cdk.local.out"
    with FileLock(f"{outdir}.lock"):
        if not (outdir / "manifest.json").exists():
            _synthesize_unstaged(outdir)
    return outdir


def _synthesize_unstaged(outdir: Path) -> Path:
    # Imported here: the CDK libraries take seconds to import, and most test runs never need them.
    from tests.infra.conftest import corkboard_app  # noqa: PLC0415

    app, _ = corkboard_app("dev", outdir, {"aws:cdk:disable-asset-staging": True})
    app.synth()
    return outdir


@pytest.fixture
def atomic_item_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto the per-item write atomicity that DynamoDB guarantees, and nothing more.

    moto 5.2.5 applies a conditional write as read, check, assign with no lock (moto/dynamodb/models/table.py,
    ``Table.put_item``: ``current = self.get_item(...)``, condition check, ``self.items[...][...] = item``).
    When the GIL switches threads between the check and the assignment, two writers both pass
    ``version = :expected`` and both "succeed": a lost update DynamoDB never allows. Tests that race threads
    on one item need this, or they fail now and then with two winners. The code under test is untouched:
    every writer still sends its own conditional write at the same moment as the others.
    """
    # Imported here: moto's DynamoDB models take a while to import, and most test runs never race threads.
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    lock = RLock()
    for name in _MOTO_WRITE_METHODS:
        monkeypatch.setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name), lock))


_MOTO_WRITE_METHODS = ("put_item", "update_item", "delete_item", "transact_write_items")


def _serialized(method: Callable[..., Any], lock: RLock) -> Callable[..., Any]:
    @wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return locked
