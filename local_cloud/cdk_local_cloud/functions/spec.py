"""How one template function runs locally: everything a worker needs, read once from the deployment.

A spec is pickled into each worker process, so it holds plain values only.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.contracts.local_endpoints import localize_execute_api_urls
from cdk_local_cloud.functions.errors import UnsupportedFunctionError

__all__ = ["LAMBDA_FUNCTION_TYPE", "FunctionSpec"]

LAMBDA_FUNCTION_TYPE = "AWS::Lambda::Function"
# Lambda's own defaults when the template leaves Timeout or MemorySize out.
_DEFAULT_TIMEOUT_SECONDS = 3
_DEFAULT_MEMORY_MB = 128
_PYTHON_RUNTIME = re.compile(r"python3\.\d+")


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Lambda::Function`` as the local cloud runs it: code, handler, limits, environment, role."""

    name: str
    arn: str
    handler: str
    code_dir: Path
    runtime: str
    timeout: float
    memory_size: int
    # template Variables, with execute-api URLs already pointing at the local gateway
    environment: Mapping[str, str]
    role_arn: str
    log_group_name: str
    # LoggingConfig: Lambda tells the runtime (and Powertools) the format and level through its environment.
    log_format: str | None
    application_log_level: str | None
    region: str
    account_id: str
    aws_endpoint_url: str
    gateway_host: str

    @property
    def assumed_role_arn(self) -> str:
        """Who the function's AWS calls come from in Lambda: its role, assumed in a session named after it."""
        _, partition, _, _, account_id, role_path = self.role_arn.split(":", 5)
        role_name = role_path.rsplit("/", 1)[-1]
        return f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{self.name}"

    @classmethod
    def from_resource(
        cls, resource: Resource, deployment: Deployment, *, gateway_host: str
    ) -> "FunctionSpec":
        """Reads a deployed function; raises UnsupportedFunctionError if it cannot run locally."""
        properties = resource.properties
        name = resource.physical_id
        unsupported = _unsupported_feature(properties)
        if unsupported is not None:
            raise UnsupportedFunctionError(
                f"Function {name}: {unsupported} is not supported by the local cloud, which runs Python "
                "functions from a code asset (lambda.Code.fromAsset); deploy to AWS to run this one."
            )
        runtime = str(properties["Runtime"])
        code = properties["Code"]
        logging_config: Mapping[str, Any] = properties.get("LoggingConfig", {})
        return cls(
            name=name,
            arn=resource.arn or f"arn:aws:lambda:{deployment.region}:{deployment.account_id}:function:{name}",
            handler=str(properties["Handler"]),
            code_dir=deployment.asset_path(code["S3Key"]),
            runtime=runtime,
            timeout=float(properties.get("Timeout", _DEFAULT_TIMEOUT_SECONDS)),
            memory_size=int(properties.get("MemorySize", _DEFAULT_MEMORY_MB)),
            environment={
                key: localize_execute_api_urls(str(value), gateway_host)
                for key, value in properties.get("Environment", {}).get("Variables", {}).items()
            },
            role_arn=str(properties["Role"]),
            log_group_name=str(logging_config.get("LogGroup", f"/aws/lambda/{name}")),
            log_format=logging_config.get("LogFormat"),
            application_log_level=logging_config.get("ApplicationLogLevel"),
            region=deployment.region,
            account_id=deployment.account_id,
            aws_endpoint_url=deployment.aws_endpoint_url,
            gateway_host=gateway_host,
        )


def _unsupported_feature(properties: Mapping[str, Any]) -> str | None:
    if "Runtime" not in properties:
        return "a container image"
    if not _PYTHON_RUNTIME.fullmatch(str(properties["Runtime"])):
        return f"runtime {properties['Runtime']}"
    if "S3Key" not in properties["Code"]:
        return "inline code (Code.ZipFile)"
    return None
