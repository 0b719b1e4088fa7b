"""``cdk-local token``: sign a user in to the running local cloud's user pool and print the ID token."""

import argparse
import sys
from typing import Any

from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from cdk_local_cloud.embedded_aws.id_tokens import (
    IssuedToken,
    UserPoolChoiceError,
    issue_id_token,
    only_pool_and_client,
)
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.serve.outputs_file import OutputsFileError, read_local_cloud_entry

__all__ = ["EXPECTED_ERRORS", "LocalCloudStoppedError", "run"]

# The token command talks to a cloud on this machine: an endpoint that does not answer at once is stopped.
_TOKEN_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5)


class LocalCloudStoppedError(ConnectionError):
    """The outputs file names a local cloud that no longer answers (stopped with Ctrl-C, or crashed)."""

    def __init__(self, endpoint_url: str) -> None:
        super().__init__(
            f"No local cloud answers at {endpoint_url}: start it with `cdk-local serve` "
            "(in another terminal), then ask again."
        )


# What a user can cause and fix (no cloud running, several pools to choose from, ...): one line, no traceback.
EXPECTED_ERRORS = (OutputsFileError, UserPoolChoiceError, LocalCloudStoppedError)


def run(arguments: argparse.Namespace) -> int:
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
