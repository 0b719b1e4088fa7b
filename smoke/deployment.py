"""What a smoke run needs to know about a deployment, read from its outputs file and nothing else."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LOCAL_CLOUD_KEY", "DeploymentError", "SmokeTarget", "read_outputs_file"]

# The entry the local cloud adds to its outputs file: where its embedded AWS listens.
LOCAL_CLOUD_KEY = "LocalCloud"

_REQUIRED_OUTPUTS = ("RestApiUrl", "WebSocketUrl", "UserPoolId", "UserPoolClientId", "SmokeTestGroup")


class DeploymentError(ValueError):
    """The outputs file is missing, unreadable, or lacks an output the smoke run needs."""


@dataclass(frozen=True)
class SmokeTarget:
    """One deployment's endpoints; ``aws_endpoint_url`` is set only for a local cloud."""

    rest_url: str
    websocket_url: str
    user_pool_id: str
    client_id: str
    smoke_test_group: str
    region: str | None
    aws_endpoint_url: str | None

    @property
    def is_local(self) -> bool:
        return self.aws_endpoint_url is not None

    def rest(self, path: str) -> str:
        """The URL of ``path``: the stage URL ends in ``/``, so joining never doubles the slash."""
        return f"{self.rest_url.rstrip('/')}/{path.lstrip('/')}"


def read_outputs_file(path: Path) -> SmokeTarget:
    """Find each output by name in whichever stack holds it: stack names differ per environment."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise DeploymentError(
            f"{path} does not exist: deploy first (`make deploy ENV=...` writes it) or start `make local`."
        ) from None
    except ValueError as error:
        raise DeploymentError(f"{path} is not JSON ({error}); it should be a cdk --outputs-file.") from None
    if not isinstance(document, dict):
        raise DeploymentError(f"{path} is not a cdk --outputs-file: expected an object of stacks.")
    local_cloud = document.get(LOCAL_CLOUD_KEY)
    outputs = _outputs_by_name(document, path)
    return SmokeTarget(
        rest_url=outputs["RestApiUrl"],
        websocket_url=outputs["WebSocketUrl"],
        user_pool_id=outputs["UserPoolId"],
        client_id=outputs["UserPoolClientId"],
        smoke_test_group=outputs["SmokeTestGroup"],
        region=outputs.get("Region") or (local_cloud or {}).get("Region"),
        aws_endpoint_url=(local_cloud or {}).get("AwsEndpointUrl"),
    )


def _outputs_by_name(document: Mapping[str, Any], path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for stack, outputs in document.items():
        if stack == LOCAL_CLOUD_KEY or not isinstance(outputs, dict):
            continue
        for name, value in outputs.items():
            if name in found and found[name] != value:
                raise DeploymentError(
                    f"{path} has two different {name} outputs; pass one environment's file."
                )
            found[name] = value
    missing = [name for name in _REQUIRED_OUTPUTS if name not in found]
    if missing:
        raise DeploymentError(
            f"{path} lacks the outputs {', '.join(missing)}: redeploy (`make deploy ENV=...`) so that "
            "the outputs file is current."
        )
    return found
