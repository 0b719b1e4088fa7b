#!/usr/bin/env python3
"""CDK entry point: `cdk synth -c env=dev|prod` builds that environment's stacks.

The target account and region come from the CLI's credentials at deploy time (CDK_DEFAULT_*), so synth
itself needs no AWS account.
"""

import os
import sys

from aws_cdk import App, Environment

from stacks.config import ConfigError
from stacks.corkboard_app import add_corkboard, config_from_context
from stacks.deploy_access_stack import add_deploy_access


def main() -> None:
    app = App()
    try:
        config = config_from_context(app)
    except ConfigError as error:
        sys.exit(f"error: {error}")
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    env = Environment(account=account, region=region) if account and region else None
    add_corkboard(app, config, env)
    add_deploy_access(app, env)
    app.synth()


if __name__ == "__main__":
    main()
