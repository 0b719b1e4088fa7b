"""Per-environment settings, read from the `environments` entry of cdk.json context and validated.

Synth stops with a message naming the environment and the key when a value is missing or wrong, so a typo in
cdk.json never reaches CloudFormation as a silently different deployment.
"""

import json
from collections.abc import Mapping
from typing import Any, Literal

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk.aws_logs import RetentionDays
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stacks.rest_routes import REST_ROUTES

__all__ = [
    "DEFAULT_ATTACHMENT_MAX_BYTES",
    "DEFAULT_WAF_CALLER_RATE_LIMIT_PER_5_MINUTES",
    "ConfigError",
    "EnvironmentConfig",
    "load_environment",
]

# The retention periods CloudWatch Logs accepts, by CDK name (ONE_MONTH, ONE_YEAR, ...).
_RETENTION_NAMES = frozenset(member.name for member in RetentionDays)
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# A presigned POST uploads in one request, and S3 takes at most 5 GiB in one request.
_S3_SINGLE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024 * 1024
# Requests one caller (one Authorization header) may send in five minutes: far above a person clicking.
DEFAULT_WAF_CALLER_RATE_LIMIT_PER_5_MINUTES = 500
# WAF's bounds on a rate-based rule's limit.
_WAF_RATE_LIMIT_MIN, _WAF_RATE_LIMIT_MAX = 10, 2_000_000_000


# CodeDeploy's predefined Lambda configurations, by the name cdk.json uses (CodeDeployDefault.Lambda<name>).
_DEPLOYMENT_CONFIGS: Mapping[str, codedeploy.ILambdaDeploymentConfig] = {
    "AllAtOnce": codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
    "Canary10Percent5Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
    "Canary10Percent10Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_10_MINUTES,
    "Canary10Percent15Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_15_MINUTES,
    "Canary10Percent30Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_30_MINUTES,
    "Linear10PercentEvery1Minute": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "Linear10PercentEvery2Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_2_MINUTES,
    "Linear10PercentEvery3Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_3_MINUTES,
    "Linear10PercentEvery10Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_10_MINUTES,
}


class ConfigError(Exception):
    """Raised when cdk.json's environments entry is unusable; the message names the key to fix."""


class EnvironmentConfig(BaseModel):
    """One environment's settings. Field names are the cdk.json keys, in camelCase.

    Strict, and validated as the JSON it is: "20" for a number or 1 for a boolean is a typo to fix, not a
    value to convert (a whole number is still a valid float).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    name: str
    removal_policy: Literal["destroy", "retain"] = Field(alias="removalPolicy")
    point_in_time_recovery: bool = Field(alias="pointInTimeRecovery")
    deletion_protection: bool = Field(alias="deletionProtection")
    log_retention_name: str = Field(alias="logRetention")
    throttling_rate_limit: float = Field(alias="throttlingRateLimit", gt=0, le=10_000)
    throttling_burst_limit: int = Field(alias="throttlingBurstLimit", gt=0, le=5_000)
    cors_allow_origins: tuple[str, ...] = Field(alias="corsAllowOrigins", max_length=20)
    bucket_versioning: bool = Field(alias="bucketVersioning")
    # Strict: a byte count of 10.5 or "10MB" is a typo, not something to round or parse.
    attachment_max_bytes: int = Field(
        default=DEFAULT_ATTACHMENT_MAX_BYTES,
        alias="attachmentMaxBytes",
        strict=True,
        ge=1,
        le=_S3_SINGLE_UPLOAD_MAX_BYTES,
    )
    # Optional keys: the CDK CLI drops null context values, so "off" is spelled by leaving the key out.
    cache_cluster_size: Literal["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"] | None = Field(
        default=None, alias="cacheClusterSize"
    )
    cache_ttl_seconds: int = Field(alias="cacheTtlSeconds", ge=0, le=3600)
    web_acl: bool = Field(alias="webAcl")
    waf_rate_limit_per_5_minutes: int = Field(
        alias="wafRateLimitPer5Minutes", ge=_WAF_RATE_LIMIT_MIN, le=_WAF_RATE_LIMIT_MAX
    )
    waf_caller_rate_limit_per_5_minutes: int = Field(
        default=DEFAULT_WAF_CALLER_RATE_LIMIT_PER_5_MINUTES,
        alias="wafCallerRateLimitPer5Minutes",
        ge=_WAF_RATE_LIMIT_MIN,
        le=_WAF_RATE_LIMIT_MAX,
    )
    alarm_email: str | None = Field(default=None, alias="alarmEmail", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    method_throttling: dict[str, tuple[float, int]] = Field(alias="methodThrottling")
    # aws-managed: AWS-managed keys (aws/dynamodb, ...) and service-side encryption; customer-managed: one
    # KMS key of the environment's own encrypts tables, secret, log groups, queues and the alarm topic.
    encryption: Literal["aws-managed", "customer-managed"]
    # How CodeDeploy moves each function's `live` alias to new code; the names are CodeDeploy's own.
    deployment_preference: str = Field(alias="deploymentPreference")
    # true: the broadcaster queues each event's subscribers in batches and sender functions post them in
    # parallel (serverless_blocks' ShardedFanout), so a large board's events do not wait on one function.
    sharded_fanout: bool = Field(alias="shardedFanout")

    @property
    def cdk_removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.removal_policy == "retain" else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> RetentionDays:
        return RetentionDays[self.log_retention_name]

    @property
    def deployment_config(self) -> codedeploy.ILambdaDeploymentConfig:
        return _DEPLOYMENT_CONFIGS[self.deployment_preference]

    @property
    def is_production(self) -> bool:
        return self.removal_policy == "retain"


def load_environment(environments: Mapping[str, Any] | None, name: str) -> EnvironmentConfig:
    """Validate and return the settings of environment `name`, or raise ConfigError that says what to fix."""
    if not environments:
        raise ConfigError("cdk.json has no context.environments entry; add one per environment (dev, prod).")
    if name not in environments:
        known = ", ".join(sorted(environments))
        raise ConfigError(f"Unknown environment {name!r}: pass -c env=NAME with one of {known}.")
    try:
        config = EnvironmentConfig.model_validate_json(json.dumps({**environments[name], "name": name}))
    except ValidationError as error:
        raise ConfigError(_first_problem(error, name)) from error
    if config.cache_cluster_size and config.cache_ttl_seconds == 0:
        raise ConfigError(
            f"cdk.json context.environments.{name}.cacheTtlSeconds: 0 turns caching off; set a TTL "
            "or set cacheClusterSize to null."
        )
    if config.waf_caller_rate_limit_per_5_minutes >= config.waf_rate_limit_per_5_minutes:
        raise ConfigError(
            f"cdk.json context.environments.{name}.wafCallerRateLimitPer5Minutes: "
            f"{config.waf_caller_rate_limit_per_5_minutes} is not below wafRateLimitPer5Minutes "
            f"({config.waf_rate_limit_per_5_minutes}); lower it, or one caller's flood reaches its IP "
            "address's limit first and blocks everyone behind that address."
        )
    known_routes = {route.key for route in REST_ROUTES}
    for route_key in config.method_throttling:
        if route_key not in known_routes:
            raise ConfigError(
                f"cdk.json context.environments.{name}.methodThrottling.{route_key!r} names no route; "
                f"use one of: {', '.join(sorted(known_routes))}."
            )
    if config.deployment_preference not in _DEPLOYMENT_CONFIGS:
        raise ConfigError(
            f"cdk.json context.environments.{name}.deploymentPreference: {config.deployment_preference!r} is "
            f"not a CodeDeploy Lambda configuration; use one of {', '.join(_DEPLOYMENT_CONFIGS)}."
        )
    if config.log_retention_name not in _RETENTION_NAMES:
        allowed = ", ".join(sorted(_RETENTION_NAMES))
        raise ConfigError(
            f"cdk.json context.environments.{name}.logRetention: {config.log_retention_name!r} is not a "
            f"CloudWatch retention period; use one of {allowed}."
        )
    return config


def _first_problem(error: ValidationError, environment: str) -> str:
    """The first error, naming its key; a missing key's input is the whole environment, so it is left out."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return (
            f"cdk.json context.environments.{environment}.{key} is missing: add it (README.md lists "
            "every key and its values)."
        )
    return f"cdk.json context.environments.{environment}.{key}: {first['msg']} (got {first.get('input')!r})."
