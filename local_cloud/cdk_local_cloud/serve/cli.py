"""``cdk-local serve|token``: the local cloud's command line.

This module is the console script's, and function workers are spawned processes, which import the main
script again before they run: so it imports no more than argparse needs, and each command's module (with
moto, the gateway and everything it serves with) is imported when that command runs.
"""

import argparse
import importlib
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["APP_CDK_OUT", "main", "token_command_for"]

# Where `serve --app` writes the assembly when --cdk-out is not given (the app's own cdk.out stays staged).
APP_CDK_OUT = Path(".cdk-local") / "cdk.out"
# Where the embedded AWS's data is kept across restarts when --state-dir is not given.
_STATE_DIR = Path(".cdk-local") / "state"
# Each command's module: ``run(arguments)`` and the ``EXPECTED_ERRORS`` it reports in one line.
_COMMAND_MODULES = {
    "serve": "cdk_local_cloud.serve.serve_command",
    "token": "cdk_local_cloud.serve.token_command",
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    arguments.argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    command = importlib.import_module(_COMMAND_MODULES[arguments.command])
    try:
        return command.run(arguments)
    except command.EXPECTED_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def token_command_for(outputs_file: Path) -> str:
    """What the banner tells a developer to run for a token: this command, for this cloud's outputs file."""
    return f"cdk-local token --outputs-file {shlex.quote(str(outputs_file))} --user alice"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdk-local", description=__doc__.partition("\n")[0])
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
        f"(default: {APP_CDK_OUT})",
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
    serve.set_defaults(command="serve")
    token = commands.add_parser("token", help="Print an ID token for a user of the running local cloud.")
    token.add_argument("--user", required=True, help="user name (an e-mail address for e-mail pools)")
    token.add_argument("--groups", nargs="*", default=[], help="Cognito groups to put the user in")
    token.add_argument("--outputs-file", type=Path, default=Path("cdk-outputs.local.json"))
    token.add_argument("--user-pool-id", help="needed only when the app has several user pools")
    token.add_argument("--client-id", help="needed only when the pool has several app clients")
    token.set_defaults(command="token")
    return parser
