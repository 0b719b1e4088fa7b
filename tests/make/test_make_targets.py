"""The Makefile as a newcomer meets it: `make help`, `make token` without a cloud, `make synth` per ENV.

Each test runs the real `make` in a linked copy of the repository (tests/work_tree.py), so nothing here
touches a developer's own outputs file or cdk.out.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from tests.work_tree import ROOT, linked_work_tree

# A synth runs the CDK app with bundling: minutes on a loaded 2-core machine.
SYNTH_TIMEOUT_SECONDS = 900
MAKE = shutil.which("make") or "make"
_TARGET = re.compile(r"^(?P<target>[A-Za-z0-9_.-]+):(?!=)", re.MULTILINE)


@pytest.fixture(scope="module")
def work_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return linked_work_tree(tmp_path_factory.mktemp("make-work-tree"))


# Set when the suite runs under `make test`; a reader's shell has none of them, so neither may the test.
_PARENT_MAKE_VARIABLES = frozenset({"MAKELEVEL", "MAKEFLAGS", "MFLAGS"})


def make(
    work_tree: Path, *arguments: str, env: dict[str, str] | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """Runs make as a person would from a shell, whatever make the test suite itself runs under."""
    shell = {name: value for name, value in os.environ.items() if name not in _PARENT_MAKE_VARIABLES}
    return subprocess.run(
        [MAKE, "--no-print-directory", *arguments],
        cwd=work_tree,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**shell, **(env or {})},
    )


def makefile_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    return [match["target"] for match in _TARGET.finditer(text) if not match["target"].startswith(".")]


def test_help_lists_every_target(work_tree: Path) -> None:
    shown = make(work_tree, "help").stdout

    targets = makefile_targets()
    assert "test-e2e" in targets
    missing = [
        target for target in targets if not re.search(rf"^  make {re.escape(target)} ", shown, re.MULTILINE)
    ]
    assert not missing, f"make help does not list: {missing}\n{shown}"


@pytest.mark.parametrize("variable", ["ENV", "PORT", "AWS_PORT", "NAME", "GROUPS"])
def test_help_lists_the_variables(work_tree: Path, variable: str) -> None:
    shown = make(work_tree, "help").stdout

    assert re.search(rf"^  {variable}=\S* +\S", shown, re.MULTILINE), shown


def test_token_without_a_name_asks_for_one(work_tree: Path) -> None:
    refused = make(work_tree, "-s", "token", env={"USER": "login-name"})

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "make token NAME=alice" in refused.stderr
    assert "login-name" not in refused.stderr


def test_token_with_user_points_at_name(work_tree: Path) -> None:
    refused = make(work_tree, "-s", "token", "USER=alice")

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "make token NAME=alice" in refused.stderr


def test_token_ignores_a_name_from_the_environment(work_tree: Path) -> None:
    """Some systems export NAME (WSL sets it to the host name); only `make token NAME=...` names a user."""
    refused = make(work_tree, "-s", "token", env={"NAME": "my-laptop"})

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "make token NAME=alice" in refused.stderr


def test_token_with_the_cloud_stopped_says_to_start_it(work_tree: Path) -> None:
    stopped = f"http://{LOOPBACK}:{claim_port(0, purpose='a stopped cloud', flag='--aws-port')}"
    outputs = {"LocalCloud": {"AwsEndpointUrl": stopped, "Region": "us-east-1", "GatewayUrl": stopped}}
    (work_tree / "cdk-outputs.local.json").write_text(json.dumps(outputs))
    try:
        refused = make(work_tree, "-s", "token", "NAME=alice")
    finally:
        (work_tree / "cdk-outputs.local.json").unlink()

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "Traceback" not in refused.stderr
    ours = [line for line in refused.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(ours) == 1, refused.stderr
    assert "start it with `cdk-local serve`" in ours[0]


def test_synth_of_one_environment_lists_only_its_templates(work_tree: Path) -> None:
    """What a prod synth left behind (in either layout) never shows up in a later dev synth's listing."""
    for leftover in (work_tree / "cdk.out", work_tree / "cdk.out" / "prod"):
        leftover.mkdir(parents=True, exist_ok=True)
        (leftover / "Corkboard-prod-Api.template.json").write_text("{}")

    synthesized = make(work_tree, "synth", "ENV=dev", timeout=SYNTH_TIMEOUT_SECONDS)

    assert synthesized.returncode == 0, synthesized.stderr
    (listing,) = [line for line in synthesized.stdout.splitlines() if line.startswith("Synthesized")]
    templates = listing.split(":", 1)[1].split()
    assert templates
    assert all(template.startswith("Corkboard-dev-") for template in templates), listing
