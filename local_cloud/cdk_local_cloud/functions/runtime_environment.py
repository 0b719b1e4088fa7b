"""The environment a function sees in its worker: the template's, the Lambda runtime's, the local cloud's.

Of the developer's own environment only what any process needs (PATH, locale, home, temp dir) gets through:
no real credentials, no profile, and the AWS config files point at nothing, so every AWS call the function
makes goes to the embedded AWS with fake credentials, whatever the developer's shell holds.
"""

import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from cdk_local_cloud.contracts.fake_credentials import FAKE_CREDENTIALS
from cdk_local_cloud.functions.spec import FunctionSpec

__all__ = ["FUNCTION_VERSION", "function_environment", "new_log_stream_name"]

FUNCTION_VERSION = "$LATEST"
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def new_log_stream_name() -> str:
    """A log stream name in Lambda's form; one per execution environment, so one per worker."""
    return f"{datetime.now(UTC):%Y/%m/%d}/[{FUNCTION_VERSION}]{uuid.uuid4().hex}"


def function_environment(
    spec: FunctionSpec, *, log_stream_name: str, inherited: Mapping[str, str]
) -> dict[str, str]:
    """The worker's whole ``os.environ``; the runtime's and the local cloud's variables win."""
    environment = {key: inherited[key] for key in _INHERITED if key in inherited}
    environment.update(spec.environment)
    environment.update(_lambda_runtime_variables(spec, log_stream_name))
    environment.update(_local_cloud_variables(spec))
    return environment


def _lambda_runtime_variables(spec: FunctionSpec, log_stream_name: str) -> dict[str, str]:
    variables = {
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": FUNCTION_VERSION,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "_HANDLER": spec.handler,
        "TZ": ":UTC",
    }
    if spec.log_format is not None:
        variables["AWS_LAMBDA_LOG_FORMAT"] = spec.log_format
    if spec.application_log_level is not None:
        variables["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level
    return variables


def _local_cloud_variables(spec: FunctionSpec) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": spec.aws_endpoint_url,
        **FAKE_CREDENTIALS,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # There is no X-Ray daemon locally; Powertools' Tracer would fail to send segments.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
