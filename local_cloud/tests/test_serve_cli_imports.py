"""What a function worker of ``cdk-local serve`` imports before its handler: the console script, and no more.

Workers are spawned, and a spawned process runs the parent's main script again (as ``__mp_main__``) before
its target. Under ``cdk-local serve`` that script is the console script, so whatever its module imports,
every function's cold start imports too: moto, the gateway and the rest of the local cloud cost each worker
about 0.5 s of CPU and its memory before the handler was even found.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).parent / "cdk-local"
# What only the serving process needs, never a function worker.
SERVER_SIDE = ("moto", "werkzeug", "aiohttp", "cdk_local_cloud.local_cloud", "cdk_local_cloud.gateway")
_AS_SPAWN_DOES = """
import json, runpy, sys
runpy.run_path({script!r}, run_name="__mp_main__")
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def imported_by_the_console_script() -> set[str]:
    assert CONSOLE_SCRIPT.exists(), "the venv has no cdk-local console script: run `make setup`"
    result = subprocess.run(
        [sys.executable, "-c", _AS_SPAWN_DOES.format(script=str(CONSOLE_SCRIPT))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", SERVER_SIDE)
def test_a_spawned_worker_does_not_import_the_server_side(
    imported_by_the_console_script: set[str], module: str
) -> None:
    assert module not in imported_by_the_console_script


def test_the_console_script_still_imports_its_command_line(imported_by_the_console_script: set[str]) -> None:
    assert "cdk_local_cloud.serve.cli" in imported_by_the_console_script
