"""The local cloud as another team gets it: its README's worked example, run as pasted in a fresh venv.

The two blocks of ``local_cloud/README.md`` that show the orders app are taken from the page itself: the
first copies the example, installs ``local_cloud`` and ``serverless_blocks`` from their folders into a new
venv (pinned by constraints.txt, from the package index), and serves the app with the ``cdk-local`` console
script, which synthesizes it through the pinned CDK CLI; the second drives it with curl. Two changes only:
the example's folder is this test's (not ``/tmp/orders``), and ``serve`` gets ``--port 0 --aws-port 0`` so
that it never meets a developer's running cloud.
"""

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.markdown_blocks import DocBlock, doc_blocks
from tests.work_tree import ROOT

README = ROOT / "local_cloud" / "README.md"
THIS_TEST = Path(__file__).name
EXAMPLE_DIR = "/tmp/orders"  # noqa: S108 (the page's path, replaced by the test's own folder)
# A fresh venv installs aws-cdk-lib, moto and their dependencies, then the CLI synthesizes: minutes when busy.
START_DEADLINE_SECONDS = 900
CLIENT_TIMEOUT_SECONDS = 300


def _example_blocks() -> tuple[DocBlock, DocBlock]:
    """The blocks whose marker says this test runs them (the page's install line only names this test)."""
    marked = f"{THIS_TEST} runs this block"
    serve, client = [block for block in doc_blocks(README) if marked in (block.skip_reason or "")]
    return serve, client


def _bash(text: str) -> list[str]:
    return ["bash", "-euo", "pipefail", "-c", text]


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fresh-install") / "orders"


@pytest.fixture(scope="module")
def serving_example(example_dir: Path) -> Iterator[Path]:
    if not (ROOT / "node_modules" / ".bin" / "cdk").exists():
        pytest.fail("the example synthesizes with the pinned CDK CLI: run `make setup` first")
    serve, _ = _example_blocks()
    text = serve.text.replace(EXAMPLE_DIR, str(example_dir))
    assert "cdk-local serve " in text, "the README's serve block no longer serves with cdk-local"
    text = text.replace("cdk-local serve ", "cdk-local serve --port 0 --aws-port 0 ", 1)
    log = example_dir.parent / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            _bash(text), cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    outputs = example_dir / "cdk-outputs.local.json"
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not outputs.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
    try:
        assert outputs.exists(), f"the example's cloud did not start:\n{log.read_text()[-4000:]}"
        yield example_dir
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_the_venv_has_only_what_the_readme_installed(serving_example: Path) -> None:
    venv_python = serving_example / ".venv" / "bin" / "python"
    probe = "import cdk_local_cloud, serverless_blocks; print(cdk_local_cloud.__file__)"

    located = subprocess.run([venv_python, "-c", probe], capture_output=True, text=True, check=True)

    assert Path(located.stdout.strip()).is_relative_to(serving_example / ".venv"), "installed, not linked"
    assert (serving_example / ".venv" / "bin" / "cdk-local").exists()
    corkboard = subprocess.run([venv_python, "-c", "import corkboard"], capture_output=True, check=False)
    assert corkboard.returncode != 0, "the fresh venv must not see Corkboard's own code"


def test_the_readme_example_answers_as_it_says(serving_example: Path) -> None:
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.fail("the README's example uses curl and jq: install them (apt-get install curl jq)")
    _, client = _example_blocks()

    answered = subprocess.run(
        _bash(client.text.replace(EXAMPLE_DIR, str(serving_example))),
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_SECONDS,
        check=False,
    )

    assert answered.returncode == 0, answered.stderr
    health, unauthorized, order = answered.stdout.splitlines()
    assert health == '{"status":"ok"}'
    assert unauthorized == "401"
    assert '"item":"tea"' in order.replace(" ", "")
    assert '"quantity":2' in order.replace(" ", "")
