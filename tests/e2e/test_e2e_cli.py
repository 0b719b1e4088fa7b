"""`cdk-local`, the command `make local` and `make token` run: outputs, tokens, clear errors, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import jwt
import pytest
import requests

from cdk_local_cloud.contracts.ports import LOOPBACK, claim_port
from cdk_local_cloud.embedded_aws.saved_state import STATE_FILE_NAME

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_SECONDS = 120
STOP_DEADLINE_SECONDS = 60


def local_cloud_command(*arguments: str) -> list[str]:
    """The console script that installing the local cloud put beside this interpreter."""
    return [str(Path(sys.executable).with_name("cdk-local")), *arguments]


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid``, read from /proc (workers run in sessions of their own)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def serving(
    unstaged_dev_assembly: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    work_dir = tmp_path_factory.mktemp("cli")
    outputs = work_dir / "cdk-outputs.local.json"
    process = subprocess.Popen(
        local_cloud_command(
            "serve",
            "--cdk-out",
            str(unstaged_dev_assembly),
            "--port",
            "0",
            "--aws-port",
            "0",
            "--outputs-file",
            str(outputs),
            "--no-reload",
            # Its own: the default state directory would carry data from one test run to the next.
            "--state-dir",
            str(work_dir / "state"),
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not outputs.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        assert outputs.exists(), "the local cloud did not write its outputs file"
        yield process, outputs
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_outputs_file_and_token_command_let_a_script_call_the_api(
    serving: tuple[subprocess.Popen[str], Path],
) -> None:
    _, outputs = serving
    written = json.loads(outputs.read_text())
    rest_url = written["Corkboard-dev-Api"]["RestApiUrl"]
    assert rest_url.startswith(f"http://{LOOPBACK}:")
    assert written["Corkboard-dev-Realtime"]["WebSocketUrl"].startswith(f"ws://{LOOPBACK}:")
    assert written["LocalCloud"]["AwsEndpointUrl"].startswith(f"http://{LOOPBACK}:")

    issued = subprocess.run(
        local_cloud_command("token", "--user", "zed", "--groups", "admins", "--outputs-file", str(outputs)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    me = requests.get(f"{rest_url}me", headers={"Authorization": issued.stdout.strip()}, timeout=60)
    assert me.status_code == 200
    assert me.json()["isAdmin"] is True


def issue_token(outputs: Path, user: str, *groups: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        local_cloud_command("token", "--user", user, "--outputs-file", str(outputs), *groups_option(groups)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def groups_option(groups: tuple[str, ...]) -> list[str]:
    return ["--groups", *groups] if groups else []


def test_the_token_line_shows_the_groups_the_token_carries(
    serving: tuple[subprocess.Popen[str], Path],
) -> None:
    _, outputs = serving
    issue_token(outputs, "yan", "admins")

    again = issue_token(outputs, "yan")

    carried = jwt.decode(again.stdout.strip(), options={"verify_signature": False})["cognito:groups"]
    assert carried == ["admins"]
    assert again.stderr.strip() == "yan@example.com (admins)"


def test_a_token_from_a_stopped_cloud_is_one_line_saying_to_start_it(tmp_path: Path) -> None:
    stopped = f"http://{LOOPBACK}:{claim_port(0, purpose='a stopped cloud', flag='--aws-port')}"
    outputs = tmp_path / "cdk-outputs.local.json"
    outputs.write_text(
        json.dumps({"LocalCloud": {"AwsEndpointUrl": stopped, "Region": "us-east-1", "GatewayUrl": stopped}})
    )

    refused = subprocess.run(
        local_cloud_command("token", "--user", "alice", "--outputs-file", str(outputs)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert refused.returncode == 2
    assert refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert stopped in line
    assert "cdk-local serve" in line


def test_a_port_in_use_is_a_clear_error(
    serving: tuple[subprocess.Popen[str], Path], unstaged_dev_assembly: Path
) -> None:
    _, outputs = serving
    taken = urlparse(json.loads(outputs.read_text())["LocalCloud"]["GatewayUrl"]).port
    refused = subprocess.run(
        local_cloud_command(
            "serve", "--cdk-out", str(unstaged_dev_assembly), "--port", str(taken), "--aws-port", "0"
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2
    assert f"Port {taken} (API gateway) is already in use" in refused.stderr


def test_a_missing_cloud_assembly_is_a_clear_error(tmp_path: Path) -> None:
    refused = subprocess.run(
        local_cloud_command(
            "serve",
            "--cdk-out",
            str(tmp_path / "cdk.out"),
            "--port",
            "0",
            "--aws-port",
            "0",
            "--state-dir",
            str(tmp_path / "state"),
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2
    assert "no manifest.json" in refused.stderr


def test_ctrl_c_stops_every_process_it_started(serving: tuple[subprocess.Popen[str], Path]) -> None:
    process, outputs = serving
    rest_url = json.loads(outputs.read_text())["Corkboard-dev-Api"]["RestApiUrl"]
    assert requests.get(f"{rest_url}health", timeout=60).status_code == 200  # a warm worker now exists
    started = children_of(process.pid)
    assert started

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=STOP_DEADLINE_SECONDS) == 0
    deadline = time.monotonic() + STOP_DEADLINE_SECONDS
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)]
    assert os.path.exists(outputs)
    assert (outputs.parent / "state" / STATE_FILE_NAME).exists(), "Ctrl-C saves the embedded AWS's state"
