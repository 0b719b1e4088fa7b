"""A board event reaches a subscriber through the sharded fan-out, served by the local cloud.

The dev app is synthesized with ``shardedFanout`` on (as prod has it) and served by ``cdk-local serve`` in a
process of its own (moto's state is per process, and this package's other local cloud holds the dev app). A
signed-in client subscribes over the WebSocket API and creates a task over REST; the event must reach it,
posted by the sender function from the batch the broadcaster queued on the FIFO queue, which the local
cloud's SQS event source mapping delivered.
"""

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.clients import Api, next_event_of, subscribed
from tests.e2e.test_e2e_cli import START_DEADLINE_SECONDS, issue_token, local_cloud_command

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ShardedCloud:
    rest_url: str
    websocket_url: str
    outputs: Path
    log: Path


@pytest.fixture(scope="module")
def sharded_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev app with shardedFanout on, unstaged (as `make local` synthesizes)."""
    # Imported here: the CDK libraries take seconds to import, and most test runs never need them.
    from aws_cdk import App  # noqa: PLC0415

    from stacks.config import load_environment  # noqa: PLC0415
    from stacks.corkboard_app import add_corkboard  # noqa: PLC0415
    from tests.infra.conftest import cdk_context  # noqa: PLC0415

    outdir = tmp_path_factory.mktemp("cdk.sharded.out")
    context = cdk_context()
    environments = {
        **context["environments"],
        "dev": {**context["environments"]["dev"], "shardedFanout": True},
    }
    app = App(
        outdir=str(outdir),
        context={
            **context,
            "environments": environments,
            "env": "dev",
            "aws:cdk:disable-asset-staging": True,
        },
    )
    add_corkboard(app, load_environment(environments, "dev"))
    app.synth()
    return outdir


@pytest.fixture(scope="module")
def sharded_cloud(sharded_assembly: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCloud]:
    work_dir = tmp_path_factory.mktemp("sharded")
    outputs, log = work_dir / "cdk-outputs.local.json", work_dir / "serve.log"
    arguments = ("--port", "0", "--aws-port", "0", "--no-reload", "--state-dir", str(work_dir / "state"))
    with log.open("w") as log_file:
        process = subprocess.Popen(
            local_cloud_command(
                "serve", "--cdk-out", str(sharded_assembly), "--outputs-file", str(outputs), *arguments
            ),
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while not outputs.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert outputs.exists(), f"the local cloud did not start:\n{log.read_text()}"
        written = json.loads(outputs.read_text())
        yield ShardedCloud(
            rest_url=written["Corkboard-dev-Api"]["RestApiUrl"],
            websocket_url=written["Corkboard-dev-Realtime"]["WebSocketUrl"],
            outputs=outputs,
            log=log,
        )
    finally:
        process.kill()
        process.wait()


def test_a_board_event_reaches_a_subscriber_through_the_queue_and_a_sender(
    sharded_cloud: ShardedCloud,
) -> None:
    token = issue_token(sharded_cloud.outputs, "sharded-owner").stdout.strip()
    api = Api(sharded_cloud.rest_url, token)
    board_id = api.call("POST", "boards", 201, {"name": "Sharded"})["boardId"]

    async def create_and_receive() -> dict[str, object]:
        async with subscribed(sharded_cloud.websocket_url, token, board_id) as socket:
            task = api.call("POST", f"boards/{board_id}/tasks", 201, {"title": "Through the queue"})
            return await next_event_of(socket, "task.created", task["taskId"])

    frame = asyncio.run(create_and_receive())

    assert (frame["boardId"], frame["data"]["title"]) == (board_id, "Through the queue")  # type: ignore[index]
    # The sender logs its batch after posting it, so its line may reach the log just after the frame.
    assert _logged(sharded_cloud.log, "Broadcaster", "event queued"), "the broadcaster queued the event"
    assert _logged(sharded_cloud.log, "Sender", "batch posted"), "a sender posted the batch"


def _logged(log: Path, function: str, message: str, deadline_seconds: float = 30) -> bool:
    give_up_at = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up_at:
        lines = log.read_text().splitlines()
        if any(
            line.startswith("[") and function in line.split("]", 1)[0] and message in line for line in lines
        ):
            return True
        time.sleep(0.1)
    return False
