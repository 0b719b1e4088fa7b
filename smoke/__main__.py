"""``python -m smoke --outputs-file cdk-outputs.dev.json --environment dev``: one smoke run, step by step.

Exit status: 0 when every step passed, 1 when a step failed (its line says why), 2 when the run was refused
or the outputs file is unusable. Prod runs only with ``--confirm prod``: a smoke run writes (and deletes)
real data, so nobody starts one against prod by a slip of ``ENV=``.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import boto3

from smoke.deployment import DeploymentError, SmokeTarget, read_outputs_file
from smoke.journey import run_journey
from smoke.steps import StepLog

_PROTECTED_ENVIRONMENT = "prod"
# Only ever sent to the local cloud's loopback endpoint, which accepts any credentials.
_LOCAL_CLOUD_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.environment == _PROTECTED_ENVIRONMENT and args.confirm != _PROTECTED_ENVIRONMENT:
        print(
            "error: a smoke run creates and deletes data; against prod it runs only with CONFIRM=prod "
            "(make smoke ENV=prod CONFIRM=prod).",
            file=sys.stderr,
        )
        return 2
    try:
        target = read_outputs_file(args.outputs_file)
    except DeploymentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Smoke test of {args.environment} ({target.rest_url})", flush=True)
    log = StepLog()
    try:
        run_journey(target, _cognito(target), log, timeout=args.timeout)
    except Exception as error:
        if log.passed:  # a failure outside any step (credentials, network) has printed nothing yet
            print(f"error: {error}", file=sys.stderr)
        print(log.summary())
        return 1
    print(log.summary())
    return 0


def _cognito(target: SmokeTarget) -> Any:
    if target.is_local:
        return boto3.client(
            "cognito-idp",
            region_name=target.region,
            endpoint_url=target.aws_endpoint_url,
            **_LOCAL_CLOUD_CREDENTIALS,
        )
    return boto3.client("cognito-idp", region_name=target.region)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m smoke", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--outputs-file", type=Path, required=True, help="cdk-outputs.ENV.json of the deployment"
    )
    parser.add_argument("--environment", required=True, help="the environment's name (dev, prod, local)")
    parser.add_argument("--confirm", default="", help="must be 'prod' to run against prod")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds any one step may wait")
    return parser


if __name__ == "__main__":
    sys.exit(main())
