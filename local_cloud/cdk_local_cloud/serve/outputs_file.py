"""``cdk-outputs.local.json``: stack outputs in `cdk deploy --outputs-file` format, pointing at localhost.

Scripts written against a real deployment's outputs file work unchanged; the extra ``LocalCloud`` entry
says where the embedded AWS listens, because local scripts must send their boto3 calls there.
"""

import json
from collections.abc import Mapping
from pathlib import Path

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.contracts.local_endpoints import localize_execute_api_urls

__all__ = [
    "LOCAL_CLOUD_KEY",
    "OutputsFileError",
    "local_outputs",
    "read_local_cloud_entry",
    "write_outputs_file",
]

LOCAL_CLOUD_KEY = "LocalCloud"


class OutputsFileError(RuntimeError):
    """The outputs file is missing or unreadable, so no local cloud is known to be running."""


def local_outputs(deployment: Deployment, gateway_host: str) -> dict[str, dict[str, str]]:
    outputs = {
        stack: {name: localize_execute_api_urls(value, gateway_host) for name, value in stack_outputs.items()}
        for stack, stack_outputs in deployment.outputs.items()
    }
    outputs[LOCAL_CLOUD_KEY] = {
        "AwsEndpointUrl": deployment.aws_endpoint_url,
        "Region": deployment.region,
        "GatewayUrl": f"http://{gateway_host}",
    }
    return outputs


def write_outputs_file(path: Path, outputs: Mapping[str, Mapping[str, str]]) -> None:
    """Writes atomically (a rename): a script that waits for the file never reads half of it."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    partial.replace(path)


def read_local_cloud_entry(path: Path) -> Mapping[str, str]:
    """The ``LocalCloud`` entry of a running local cloud's outputs file (for `cdk-local token`, scripts)."""
    try:
        return json.loads(path.read_text())[LOCAL_CLOUD_KEY]
    except FileNotFoundError:
        raise OutputsFileError(f"{path} does not exist: start the local cloud (`cdk-local serve`).") from None
    except (ValueError, KeyError, TypeError) as error:
        raise OutputsFileError(
            f"{path} is not an outputs file written by `cdk-local serve` ({error})."
        ) from None
