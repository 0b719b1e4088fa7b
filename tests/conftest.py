"""Fixtures that more than one test package needs: the dev app as `make local` synthesizes it.

Session-scoped, so each process (each pytest-xdist worker) synthesizes it once, whichever packages it runs;
the tests that use it share a worker where they can (worker_groups.py).
"""

from pathlib import Path

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
