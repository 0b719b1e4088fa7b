"""Fixtures that more than one test package needs: the dev app as `make local` synthesizes it.

Session-scoped, so each process (each pytest-xdist worker) synthesizes it once, whichever packages it runs;
the tests that use it share a worker where they can (worker_groups.py).
"""

from pathlib import Path

import pytest

from tests import worker_groups


def pytest_configure(config: pytest.Config) -> None:
    # Registered here: pytest reads `pytest_plugins` only from the rootdir's conftest.py.
    config.pluginmanager.register(worker_groups, "worker-groups")


@pytest.fixture(scope="session")
def unstaged_dev_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make local` synthesizes: assets point at the source tree instead of copies (--no-staging)."""
    # Imported here: the CDK libraries take seconds to import, and most test runs never need them.
    from tests.infra.conftest import corkboard_app  # noqa: PLC0415

    outdir = tmp_path_factory.mktemp("cdk.local.out")
    app, _ = corkboard_app("dev", outdir, {"aws:cdk:disable-asset-staging": True})
    app.synth()
    return outdir
