"""The local cloud as the benchmarks use it: started from an unstaged synth, with a signed-in board owner.

Both local benchmarks measure the emulator as `make local` serves it, so they start the same
:class:`~cdk_local_cloud.local_cloud.LocalCloud` on free ports and sign in through its own user pool. The
functions' last log lines are kept and printed only when a benchmark fails: a healthy run prints figures only.
"""

import argparse
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script: the emulator and the Lambda code import from the repository root and lambdas/.
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]

import requests  # noqa: E402

from cdk_local_cloud.assembly import AssemblyError  # noqa: E402
from cdk_local_cloud.contracts.deployment import Deployment  # noqa: E402
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients  # noqa: E402
from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings  # noqa: E402

__all__ = ["BenchmarkError", "LocalCloudSession", "add_cdk_out_argument", "local_cloud_session"]

DEFAULT_CDK_OUT = ROOT / ".local" / "cdk.out"
REQUEST_TIMEOUT_SECONDS = 60
_LOG_LINES_KEPT = 40


class BenchmarkError(RuntimeError):
    """A benchmark could not measure what it promises; the message says what failed and what to do."""


def add_cdk_out_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cdk-out",
        type=Path,
        default=DEFAULT_CDK_OUT,
        help="the unstaged dev synth to serve (default: .local/cdk.out, made by `make local-synth`)",
    )


@dataclass
class LocalCloudSession:
    """A running local cloud and one signed-in user (who owns the boards the benchmark creates)."""

    cloud: LocalCloud
    aws: MotoClients
    rest_url: str
    websocket_url: str
    token: str
    http: requests.Session

    @property
    def deployment(self) -> Deployment:
        return self.cloud.deployment

    @cached_property
    def user_id(self) -> str:
        return str(self.call("GET", "/me")["userId"])

    def table_named_by(self, variable: str) -> str:
        """The table that the functions' environment ``variable`` names (all that set it name the same)."""
        names = {
            environment[variable]
            for function in self.deployment.of_type("AWS::Lambda::Function")
            if variable in (environment := function.properties.get("Environment", {}).get("Variables", {}))
        }
        if len(names) != 1:
            raise BenchmarkError(f"Expected the functions to name one {variable}, found {sorted(names)}.")
        return names.pop()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call as the signed-in user; anything but a 2xx ends the benchmark."""
        response = self.http.request(
            method, f"{self.rest_url}{path}", json=body, timeout=REQUEST_TIMEOUT_SECONDS
        )
        if not response.ok:
            raise BenchmarkError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None


@contextmanager
def local_cloud_session(cdk_out: Path, user: str) -> Iterator[LocalCloudSession]:
    """Starts the local cloud from ``cdk_out``, signs ``user`` in, and stops everything on exit.

    A :class:`BenchmarkError` inside, or a ``cdk_out`` that the emulator cannot serve, is reported on stderr
    with the functions' last log lines and exits with status 1.
    """
    if not (cdk_out / "manifest.json").is_file():
        raise SystemExit(f"{cdk_out} holds no synthesized app: run `make local-synth` first.")
    recent_logs: deque[str] = deque(maxlen=_LOG_LINES_KEPT)
    settings = LocalCloudSettings(cdk_out=cdk_out, port=0, aws_port=0, reload_on_change=False)
    try:
        with LocalCloud(settings, log_sink=recent_logs.append) as cloud, requests.Session() as http:
            yield _signed_in(cloud, user, http)
    except (AssemblyError, BenchmarkError) as error:
        print(*recent_logs, sep="\n", file=sys.stderr)
        raise SystemExit(f"error: {error}") from error


def _signed_in(cloud: LocalCloud, user: str, http: requests.Session) -> LocalCloudSession:
    token = cloud.id_token(user)
    http.headers["Authorization"] = token
    urls = {api.protocol: api.url for api in cloud.apis}
    return LocalCloudSession(
        cloud=cloud,
        aws=cloud.aws,
        rest_url=urls["REST"].rstrip("/"),
        websocket_url=urls["WebSocket"],
        token=token,
        http=http,
    )
