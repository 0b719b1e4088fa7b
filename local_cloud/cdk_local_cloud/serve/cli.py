"""``cdk-local serve|token``: the local cloud's command line."""

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from cdk_local_cloud.assembly import AssemblyError
from cdk_local_cloud.contracts.ports import PortInUseError
from cdk_local_cloud.embedded_aws.id_tokens import (
    IssuedToken,
    UserPoolChoiceError,
    issue_id_token,
    only_pool_and_client,
)
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.saved_state import SavedStateError
from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings
from cdk_local_cloud.serve.app_synth import AppSynthError, find_cdk_cli, synthesize_app
from cdk_local_cloud.serve.outputs_file import (
    OutputsFileError,
    local_outputs,
    read_local_cloud_entry,
    write_outputs_file,
)
from cdk_local_cloud.serve.quickstart import quickstart_text
from cdk_local_cloud.serve.stop_signal import StopSignal

__all__ = ["main", "token_command_for"]

# Where `serve --app` writes the assembly when --cdk-out is not given (the app's own cdk.out stays staged).
_APP_CDK_OUT = Path(".cdk-local") / "cdk.out"
# Where the embedded AWS's data is kept across restarts when --state-dir is not given.
_STATE_DIR = Path(".cdk-local") / "state"
# The token command talks to a cloud on this machine: an endpoint that does not answer at once is stopped.
_TOKEN_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5)


class LocalCloudStoppedError(ConnectionError):
    """The outputs file names a local cloud that no longer answers (stopped with Ctrl-C, or crashed)."""

    def __init__(self, endpoint_url: str) -> None:
        super().__init__(
            f"No local cloud answers at {endpoint_url}: start it with `cdk-local serve` "
            "(in another terminal), then ask again."
        )


_EXPECTED_ERRORS = (
    AssemblyError,
    PortInUseError,
    OutputsFileError,
    UserPoolChoiceError,
    LocalCloudStoppedError,
    AppSynthError,
    SavedStateError,
)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    arguments.argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        return arguments.run(arguments)
    except _EXPECTED_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def token_command_for(outputs_file: Path) -> str:
    """What the banner tells a developer to run for a token: this command, for this cloud's outputs file."""
    return f"cdk-local token --outputs-file {shlex.quote(str(outputs_file))} --user alice"


def _assembly(arguments: argparse.Namespace) -> Path:
    """The assembly to serve: the one given, or the app's, synthesized first (skipped when unchanged)."""
    if arguments.app is None:
        return arguments.cdk_out or Path("cdk.out")
    app_dir = Path.cwd()
    synthesis = synthesize_app(
        arguments.app,
        cdk_out=arguments.cdk_out or _APP_CDK_OUT,
        app_dir=app_dir,
        cdk_cli=shlex.split(arguments.cdk) if arguments.cdk else find_cdk_cli(app_dir),
        context=arguments.context,
    )
    if synthesis.reused:
        print(f"No source changed since the last synth: serving {synthesis.cdk_out} as it is.", flush=True)
    return synthesis.cdk_out


def _serve(arguments: argparse.Namespace) -> int:
    settings = LocalCloudSettings(
        cdk_out=_assembly(arguments),
        port=arguments.port,
        aws_port=arguments.aws_port,
        region=arguments.region,
        reload_on_change=not arguments.no_reload,
        state_dir=arguments.state_dir,
        reset_state=arguments.reset,
        reset_command=arguments.reset_command or _reset_command(arguments.argv),
    )
    stop = StopSignal()
    with LocalCloud(settings) as cloud:
        write_outputs_file(arguments.outputs_file, local_outputs(cloud.deployment, cloud.gateway_host))
        print(
            quickstart_text(
                cloud.deployment,
                cloud.apis,
                outputs_file=arguments.outputs_file,
                token_command=arguments.token_command or token_command_for(arguments.outputs_file),
            ),
            flush=True,
        )
        stop.wait()
        print("Stopping the local cloud...", flush=True)
    return 0


def _reset_command(argv: Sequence[str]) -> str:
    """This very command with --reset, which a message about unusable saved state tells the user to run."""
    return shlex.join(["cdk-local", *(argument for argument in argv if argument != "--reset"), "--reset"])


def _token(arguments: argparse.Namespace) -> int:
    local_cloud = read_local_cloud_entry(arguments.outputs_file)
    endpoint_url = local_cloud["AwsEndpointUrl"]
    cognito = MotoClients(endpoint_url, local_cloud["Region"], config=_TOKEN_CLIENT_CONFIG).client(
        "cognito-idp"
    )
    try:
        issued = _issue(cognito, arguments)
    except EndpointConnectionError:
        raise LocalCloudStoppedError(endpoint_url) from None
    print(f"{issued.username} ({', '.join(issued.groups) or 'no groups'})", file=sys.stderr)
    print(issued.id_token)
    return 0


def _issue(cognito: Any, arguments: argparse.Namespace) -> IssuedToken:
    if arguments.user_pool_id and arguments.client_id:
        pool_id, client_id = arguments.user_pool_id, arguments.client_id
    else:
        pool_id, client_id = only_pool_and_client(cognito)
    return issue_id_token(
        cognito, user_pool_id=pool_id, client_id=client_id, user=arguments.user, groups=arguments.groups
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdk-local", description=__doc__)
    commands = parser.add_subparsers(required=True)
    serve = commands.add_parser("serve", help="Serve a synthesized CDK app on localhost until Ctrl-C.")
    serve.add_argument(
        "--app",
        help='synthesize this CDK app first (as `cdk --app` takes it, e.g. "python app.py"), unstaged, '
        "so code edits reload without a synth; skipped when no source changed since the last one",
    )
    serve.add_argument(
        "--cdk-out",
        type=Path,
        help=f"the cloud assembly to serve (default: cdk.out), or with --app where to write it "
        f"(default: {_APP_CDK_OUT})",
    )
    serve.add_argument(
        "--cdk", help="the CDK CLI for --app (default: node_modules/.bin/cdk, else cdk on PATH)"
    )
    serve.add_argument(
        "--context", action="append", default=[], metavar="KEY=VALUE", help="context for --app's synth"
    )
    serve.add_argument(
        "--token-command", help="the sign-in command the banner shows (default: this tool's `token`)"
    )
    serve.add_argument("--port", type=int, default=4510, help="the API gateway's port (0: any free port)")
    serve.add_argument(
        "--aws-port", type=int, default=4511, help="the embedded AWS's port (0: any free port)"
    )
    serve.add_argument("--region", default="us-east-1")
    serve.add_argument("--outputs-file", type=Path, default=Path("cdk-outputs.local.json"))
    serve.add_argument("--no-reload", action="store_true", help="do not reload functions when code changes")
    serve.add_argument(
        "--state-dir",
        type=Path,
        default=_STATE_DIR,
        help=f"where the embedded AWS's data is kept across restarts (default: {_STATE_DIR})",
    )
    serve.add_argument(
        "--reset", action="store_true", help="start with an empty embedded AWS (deletes the saved state)"
    )
    serve.add_argument(
        "--reset-command", help="the command that messages about unusable saved state name (default: --reset)"
    )
    serve.set_defaults(run=_serve)
    token = commands.add_parser("token", help="Print an ID token for a user of the running local cloud.")
    token.add_argument("--user", required=True, help="user name (an e-mail address for e-mail pools)")
    token.add_argument("--groups", nargs="*", default=[], help="Cognito groups to put the user in")
    token.add_argument("--outputs-file", type=Path, default=Path("cdk-outputs.local.json"))
    token.add_argument("--user-pool-id", help="needed only when the app has several user pools")
    token.add_argument("--client-id", help="needed only when the pool has several app clients")
    token.set_defaults(run=_token)
    return parser
