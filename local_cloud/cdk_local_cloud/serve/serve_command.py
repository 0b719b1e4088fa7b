"""``cdk-local serve``: synthesize the app if asked, serve its assembly on localhost until Ctrl-C."""

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path

from cdk_local_cloud.assembly import AssemblyError
from cdk_local_cloud.contracts.ports import PortInUseError
from cdk_local_cloud.embedded_aws.saved_state import SavedStateError
from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings
from cdk_local_cloud.serve.app_synth import AppSynthError, find_cdk_cli, synthesize_app
from cdk_local_cloud.serve.cli import APP_CDK_OUT, token_command_for
from cdk_local_cloud.serve.outputs_file import local_outputs, write_outputs_file
from cdk_local_cloud.serve.quickstart import quickstart_text
from cdk_local_cloud.serve.stop_signal import StopSignal

__all__ = ["EXPECTED_ERRORS", "run"]

# What a user can cause and fix (a bad assembly, a busy port, ...): one line, no traceback.
EXPECTED_ERRORS = (AssemblyError, PortInUseError, AppSynthError, SavedStateError)


def _assembly(arguments: argparse.Namespace) -> Path:
    """The assembly to serve: the one given, or the app's, synthesized first (skipped when unchanged)."""
    if arguments.app is None:
        return arguments.cdk_out or Path("cdk.out")
    app_dir = Path.cwd()
    synthesis = synthesize_app(
        arguments.app,
        cdk_out=arguments.cdk_out or APP_CDK_OUT,
        app_dir=app_dir,
        cdk_cli=shlex.split(arguments.cdk) if arguments.cdk else find_cdk_cli(app_dir),
        context=arguments.context,
    )
    if synthesis.reused:
        print(f"No source changed since the last synth: serving {synthesis.cdk_out} as it is.", flush=True)
    return synthesis.cdk_out


def run(arguments: argparse.Namespace) -> int:
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
