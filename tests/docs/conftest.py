"""One local cloud for the executable docs, and a linked work tree whose outputs file points at it.

The blocks run with the work tree as their directory, so `make token NAME=...` and
`jq ... cdk-outputs.local.json` reach this cloud, on its free ports, and never a developer's running
`make local`. Package-scoped: each pytest-xdist worker that runs these tests starts its own.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings
from cdk_local_cloud.serve.outputs_file import local_outputs, write_outputs_file
from tests.work_tree import linked_work_tree

OUTPUTS_FILE = "cdk-outputs.local.json"


@pytest.fixture(scope="package")
def docs_function_logs() -> list[str]:
    """What the functions printed, to show with a failing block (the cause of a 500 is in there)."""
    return []


@pytest.fixture(scope="package")
def docs_cloud(unstaged_dev_assembly: Path, docs_function_logs: list[str]) -> Iterator[LocalCloud]:
    settings = LocalCloudSettings(cdk_out=unstaged_dev_assembly, port=0, aws_port=0, reload_on_change=False)
    with LocalCloud(settings, log_sink=docs_function_logs.append) as cloud:
        yield cloud


@pytest.fixture(scope="package")
def docs_work_tree(docs_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a reader's checkout, with the outputs file `make local` would have written."""
    work_tree = linked_work_tree(tmp_path_factory.mktemp("docs-work-tree"))
    write_outputs_file(
        work_tree / OUTPUTS_FILE, local_outputs(docs_cloud.deployment, docs_cloud.gateway_host)
    )
    return work_tree
