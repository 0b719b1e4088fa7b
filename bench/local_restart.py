"""Warm restart of the local cloud: `make local`'s command, stopped with Ctrl-C and started again, unchanged.

The command is the one the Makefile's `local` target runs (synth by the local cloud, skipped when no source
changed; the embedded AWS's state kept in a state directory), with a temporary assembly and state directory
and free ports, so that it neither uses nor touches a developer's `.local`. The first run synthesizes and
starts empty; a user signs in and creates a board. Each later run is timed from starting the process until
its banner says it is up (only the runs whose synth was skipped count as warm: in a shared work tree a source
may change between two runs), and must still list that board for the token issued in the first run (a
benchmark that lost the data would time the wrong thing: it exits 1). A last run with --reset, as
`make local-reset` starts, shows what the same start costs with an empty embedded AWS. Prints figures only.

Run: `make bench`, or `.venv/bin/python bench/local_restart.py [--restarts 3]`.
"""

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
READY_LINE = "Local cloud is up"
SYNTH_REUSED_LINE = "No source changed since the last synth"
START_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60


class BenchmarkError(RuntimeError):
    """The restart could not be measured as promised; the message says what went wrong."""


@dataclass(frozen=True)
class Start:
    """One run: seconds from spawning the process until its banner, and whether the synth was skipped."""

    seconds: float
    synth_reused: bool
    outputs: dict[str, dict[str, str]]

    @property
    def rest_url(self) -> str:
        return self.outputs["Corkboard-dev-Api"]["RestApiUrl"].rstrip("/")


def serve_command(work_dir: Path, *extra: str) -> list[str]:
    """`make local`'s command (see the Makefile), on free ports, its assembly and state in ``work_dir``."""
    return [
        str(VENV_BIN / "cdk-local"),
        "serve",
        "--app",
        f"{VENV_BIN / 'python'} app.py",
        "--cdk",
        str(ROOT / "node_modules" / ".bin" / "cdk"),
        "--context",
        "env=dev",
        "--cdk-out",
        str(work_dir / "cdk.out"),
        "--port",
        "0",
        "--aws-port",
        "0",
        "--outputs-file",
        str(work_dir / "cdk-outputs.local.json"),
        "--state-dir",
        str(work_dir / "state"),
        *extra,
    ]


@contextmanager
def serving(work_dir: Path, *extra: str) -> Iterator[Start]:
    """Starts the command, yields once it is up, then stops it as Ctrl-C does."""
    started_at = time.perf_counter()
    process = subprocess.Popen(
        serve_command(work_dir, *extra),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        synth_reused = _wait_for_banner(process.stdout)
        seconds = time.perf_counter() - started_at
        # The functions' log lines must not fill the pipe (which would stall the cloud): keep the last ones.
        last_lines: deque[str] = deque(maxlen=30)
        drain = threading.Thread(target=last_lines.extend, args=(process.stdout,), daemon=True)
        drain.start()
        outputs = json.loads((work_dir / "cdk-outputs.local.json").read_text())
        yield Start(seconds=seconds, synth_reused=synth_reused, outputs=outputs)
        process.send_signal(signal.SIGINT)
        try:
            status = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise BenchmarkError(
                f"The local cloud did not stop within {STOP_TIMEOUT_SECONDS} s of Ctrl-C:\n"
                + "".join(last_lines)
            ) from None
        if status != 0:
            drain.join(timeout=STOP_TIMEOUT_SECONDS)
            raise BenchmarkError(f"The local cloud stopped with status {status}:\n" + "".join(last_lines))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_banner(stdout: IO[str]) -> bool:
    """Reads the process's output until its banner; True when it reused the last synth."""
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    for line in stdout:
        seen.append(line.rstrip())
        if READY_LINE in line:
            return any(SYNTH_REUSED_LINE in earlier for earlier in seen)
        if time.monotonic() > deadline:
            break
    raise BenchmarkError("The local cloud did not come up:\n" + "\n".join(seen[-30:]))


def sign_in(work_dir: Path) -> str:
    issued = subprocess.run(
        [
            str(VENV_BIN / "cdk-local"),
            "token",
            "--user",
            "bench-restart",
            "--outputs-file",
            str(work_dir / "cdk-outputs.local.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    return issued.stdout.strip()


def board_ids(start: Start, token: str) -> list[str]:
    response = requests.get(
        f"{start.rest_url}/boards", headers={"Authorization": token}, timeout=REQUEST_TIMEOUT_SECONDS
    )
    if not response.ok:
        raise BenchmarkError(f"GET /boards with the first run's token answered {response.status_code}.")
    return [board["boardId"] for board in response.json()["items"]]


def describe(start: Start) -> str:
    return f"{start.seconds:5.1f} s  ({'synth skipped' if start.synth_reused else 'synthesized'})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--restarts", type=int, default=3, help="warm restarts to time after the first run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="local-restart-") as directory:
        work_dir = Path(directory)
        with serving(work_dir) as first:
            token = sign_in(work_dir)
            created = requests.post(
                f"{first.rest_url}/boards",
                json={"name": "Kept across restarts"},
                headers={"Authorization": token},
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
            created.raise_for_status()
            board_id = created.json()["boardId"]
        restarts = []
        for number in range(1, args.restarts + 1):
            with serving(work_dir) as restart:
                if board_id not in board_ids(restart, token):
                    raise BenchmarkError(
                        f"Restart {number} lost the board {board_id}: the state was not kept."
                    )
            restarts.append(restart)
        with serving(work_dir, "--reset") as reset:
            pass
        state_bytes = sum(path.stat().st_size for path in (work_dir / "state").iterdir())
    python = sys.version.split()[0]
    print(f"make local's command, stopped with Ctrl-C and started again (Python {python})")
    print(f"  first run       {describe(first)}, empty state")
    for number, restart in enumerate(restarts, start=1):
        print(f"  restart {number}       {describe(restart)}, state restored, the board and the token kept")
    warm = [start.seconds for start in restarts if start.synth_reused]
    if warm:
        print(
            f"  warm restart    median {statistics.median(warm):.1f} s of {len(warm)} with no source changed"
        )
    else:
        print("  warm restart    none: a source changed before every restart (each one synthesized)")
    print(f"  with --reset    {describe(reset)}, empty state (what make local-reset starts with)")
    print(f"  saved state     {state_bytes / 1024:.0f} KiB")


if __name__ == "__main__":
    try:
        main()
    except BenchmarkError as error:
        raise SystemExit(f"error: {error}") from None
