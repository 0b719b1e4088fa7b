"""A Python Lambda function with the observability and least-privilege defaults a service team needs.

Example::

    fn = PythonFunction(
        self,
        "Handler",
        props=PythonFunctionProps(
            code_path="lambdas",
            handler="api.app.handler",
            environment={"TABLE_NAME": table.table_name},
            service_name="orders",
        ),
    )
    table.grant_read_write_data(fn.function)
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import AssetHashType, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from serverless_blocks.bytecode import UNCOMPILED_CONSEQUENCE, bytecode_bundling, interpreter_or_warning
from serverless_blocks.canary_release import CanaryRelease, CanaryReleaseProps
from serverless_blocks.compliance import acknowledge_rule, skip_check, warn_weakened_default
from serverless_blocks.log_group import create_log_group
from serverless_blocks.python_runtimes import is_python3

__all__ = [
    "DEFAULT_ASSET_EXCLUDES",
    "POWERTOOLS_VERSION",
    "CodePathNotFoundError",
    "InvalidPowertoolsVersionError",
    "PythonFunction",
    "PythonFunctionProps",
    "UnsupportedLogLevelError",
    "UnsupportedRuntimeError",
]

# The Powertools for AWS Lambda (Python) release whose layer the function runs. It must equal the
# aws-lambda-powertools pin so that local tests and Lambda run the same library; a test enforces this.
POWERTOOLS_VERSION = "3.37.0"

# The Powertools team publishes, in every region, one public parameter per release whose value is the ARN
# of that release's layer, so a release number pins the layer exactly without knowing its layer version.
_POWERTOOLS_LAYER_PARAMETER = "/aws/service/powertools/python/{architecture}/{runtime}/{version}"
# Exact releases only: "latest" or a range would let a deployment silently change the library.
_SEMANTIC_VERSION = re.compile(r"\d+\.\d+\.\d+")

# Tests, caches and tooling state never belong in a function package; shipping them slows cold starts.
DEFAULT_ASSET_EXCLUDES: tuple[str, ...] = (
    "**/__pycache__",
    "**/*.pyc",
    "**/*.pyo",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
    "**/tests",
    "**/test_*.py",
    "**/conftest.py",
    "**/*.egg-info",
    "**/.venv",
    "**/.DS_Store",
)

# Powertools and Lambda's advanced logging controls name levels differently; both must agree, or
# Powertools warns and Lambda drops records below its own level.
_APPLICATION_LOG_LEVELS: Mapping[str, lambda_.ApplicationLogLevel] = {
    "DEBUG": lambda_.ApplicationLogLevel.DEBUG,
    "INFO": lambda_.ApplicationLogLevel.INFO,
    "WARNING": lambda_.ApplicationLogLevel.WARN,
    "ERROR": lambda_.ApplicationLogLevel.ERROR,
    "CRITICAL": lambda_.ApplicationLogLevel.FATAL,
}
_NO_DEAD_LETTER_QUEUE_REASON = (
    "The function is built for synchronous callers (API Gateway, event source mappings with their own "
    "on-failure destinations), where a dead-letter queue never receives anything; callers that invoke it "
    "asynchronously pass 'dead_letter_queue'."
)
_NO_VPC_REASON = (
    "The function reaches only AWS service APIs (DynamoDB, S3, SQS, Secrets Manager, API Gateway), over TLS "
    "and authorised by IAM; there is no private network resource to reach, and a VPC would only add NAT "
    "or endpoint costs and cold-start latency."
)
_PLAIN_ENVIRONMENT_REASON = (
    "The environment holds resource names and settings, never secrets (secrets are read from Secrets "
    "Manager at run time); Lambda encrypts it at rest with its service key, and a customer-managed key "
    "would protect nothing confidential."
)
_NO_RESERVED_CONCURRENCY_REASON = (
    "Reserved concurrency would be a hard cap that throttles real traffic, and would take capacity from "
    "the account's shared pool; load is bounded upstream instead (API Gateway stage and method throttling, "
    "event source batch sizes), and callers that need a cap pass 'reserved_concurrent_executions'."
)
# Set by `cdk synth --no-staging` (local tools that run the code where it is): the asset is the source folder.
_STAGING_DISABLED_CONTEXT = "aws:cdk:disable-asset-staging"
_TRACING_DISABLED_CONSEQUENCE = "requests through this function no longer appear in X-Ray traces."
_TRACED_RESPONSES_CONSEQUENCE = (
    "every traced function's return value (user data, presigned URLs with session tokens) is stored in "
    "X-Ray, readable by anyone who may read traces."
)


class CodePathNotFoundError(ValueError):
    """Raised when the function's code directory does not exist, before CDK fails on the missing asset."""

    def __init__(self, code_path: str, resolved: Path) -> None:
        how = (
            "an absolute path"
            if Path(code_path).is_absolute()
            else f"a relative path, resolved against the current working directory {Path.cwd()}"
        )
        super().__init__(
            f"code_path {code_path!r} does not exist ({how}, giving {resolved}). Run cdk from the app's "
            "directory, or pass a path built from the app file's location, such as "
            "str(Path(__file__).parent / 'lambdas')."
        )


class UnsupportedRuntimeError(ValueError):
    """Raised when the runtime has no matching Powertools for AWS Lambda (Python) layer."""

    def __init__(self, runtime: lambda_.Runtime) -> None:
        super().__init__(
            f"Runtime {runtime.name} has no Powertools for AWS Lambda (Python) layer; "
            "choose a Python 3 runtime such as lambda_.Runtime.PYTHON_3_13."
        )


class InvalidPowertoolsVersionError(ValueError):
    """Raised when the Powertools version is not an exact MAJOR.MINOR.PATCH release number."""

    def __init__(self, version: str) -> None:
        super().__init__(
            f"Powertools version {version!r} is not an exact release such as {POWERTOOLS_VERSION!r}; "
            "pass the MAJOR.MINOR.PATCH version pinned for aws-lambda-powertools in requirements-dev.txt."
        )


class UnsupportedLogLevelError(ValueError):
    """Raised when the log level is not one that both Powertools and Lambda understand."""

    def __init__(self, log_level: str) -> None:
        super().__init__(
            f"Log level {log_level!r} is not supported; use one of {', '.join(_APPLICATION_LOG_LEVELS)}."
        )


@dataclass(frozen=True, kw_only=True)
class PythonFunctionProps:
    """What to run and how; every field but the code location and handler has a secure default."""

    code_path: str
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_size: int = 512
    timeout: Duration = field(default_factory=lambda: Duration.seconds(10))
    architecture: lambda_.Architecture = field(default_factory=lambda: lambda_.Architecture.ARM_64)
    runtime: lambda_.Runtime = field(default_factory=lambda: lambda_.Runtime.PYTHON_3_13)
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    tracing: lambda_.Tracing = lambda_.Tracing.ACTIVE
    powertools_version: str = POWERTOOLS_VERSION
    service_name: str | None = None
    log_level: str = "INFO"
    reserved_concurrent_executions: int | None = None
    description: str | None = None
    dead_letter_queue: sqs.IQueue | None = None
    layers: Sequence[lambda_.ILayerVersion] = ()
    asset_excludes: Sequence[str] = DEFAULT_ASSET_EXCLUDES
    # Ships bytecode compiled for the runtime in the asset (serverless_blocks.bytecode): Lambda cannot write
    # __pycache__ in /var/task, so without it each cold start compiles the code it imports.
    compile_bytecode: bool = True
    # Encrypts the function's log group; None leaves it to CloudWatch Logs' service-managed key.
    encryption_key: kms.IKey | None = None
    # Powertools' tracer stores each decorated function's return value in X-Ray unless told not to; return
    # values carry user data, so the default tells it not to (errors are still recorded).
    trace_responses: bool = False
    # New code reaches callers through the `live` alias, shifted by CodeDeploy and rolled back on alarms.
    # None leaves the function without an alias: callers then get new code the moment it deploys.
    release: CanaryReleaseProps | None = field(default_factory=CanaryReleaseProps)


class PythonFunction(Construct):
    """Lambda function on arm64 with the Powertools layer, JSON logs, X-Ray and its own log group.

    The role gets no AWS-managed policy: only write access to the function's own log group and,
    when tracing is on, the two X-Ray actions Lambda needs. Traces record annotations and errors, never
    return values (``trace_responses``). Callers should invoke ``invocable``: the
    ``live`` alias that CodeDeploy moves to each new version, or the function itself without a release.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: PythonFunctionProps) -> None:
        super().__init__(scope, construct_id)
        application_log_level = _application_log_level(props.log_level)

        self.log_group = create_log_group(
            self,
            "LogGroup",
            retention=props.log_retention,
            removal_policy=props.log_removal_policy,
            encryption_key=props.encryption_key,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {self.node.path}",
        )
        self.log_group.grant_write(self.role)
        self.powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            _powertools_layer_arn(self, props),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            code=self._code(props),
            handler=props.handler,
            runtime=props.runtime,
            architecture=props.architecture,
            memory_size=props.memory_size,
            timeout=props.timeout,
            tracing=props.tracing,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=application_log_level,
            layers=[self.powertools_layer, *props.layers],
            environment={**_powertools_environment(props), **props.environment},
            reserved_concurrent_executions=props.reserved_concurrent_executions,
            description=props.description,
            dead_letter_queue=props.dead_letter_queue,
        )
        self.release = (
            CanaryRelease(self, "Release", function=self.function, props=props.release)
            if props.release
            else None
        )
        self.invocable: lambda_.IFunction = self.release.alias if self.release else self.function
        self._acknowledge_findings(props)
        self._warn_about_weakened_defaults(props)

    def _code(self, props: PythonFunctionProps) -> lambda_.Code:
        """The asset: the code directory without its excludes, with bytecode for the runtime when staged."""
        source = _code_directory(props)
        excludes = list(props.asset_excludes)
        if not props.compile_bytecode or self.node.try_get_context(_STAGING_DISABLED_CONTEXT):
            return lambda_.Code.from_asset(str(source), exclude=excludes)
        interpreter = interpreter_or_warning(self, props.runtime)
        return lambda_.Code.from_asset(
            str(source),
            exclude=excludes,
            asset_hash_type=AssetHashType.SOURCE,
            bundling=bytecode_bundling(source, excludes, props.runtime, interpreter),
        )

    def _acknowledge_findings(self, props: PythonFunctionProps) -> None:
        if props.tracing != lambda_.Tracing.DISABLED:
            acknowledge_rule(
                self.role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level "
                "permissions, so the only possible resource is '*'; the statement grants nothing else.",
            )
        if not _is_latest_runtime(props.runtime):
            reason = (
                f"The runtime is pinned to {props.runtime.name} so that the handler code, the "
                "Powertools layer built for that interpreter and the local test environment all run "
                "the same Python; moving to a newer runtime is a deliberate change made through the "
                "'runtime' prop."
            )
            acknowledge_rule(self.function, "AwsSolutions-L1", reason)
            acknowledge_rule(self.function, "Serverless-LambdaLatestVersion", reason)
        if props.dead_letter_queue is None:
            acknowledge_rule(self.function, "Serverless-LambdaDLQ", _NO_DEAD_LETTER_QUEUE_REASON)
            skip_check(self.function, "CKV_AWS_116", _NO_DEAD_LETTER_QUEUE_REASON)
        self._skip_checks_that_do_not_fit(props)

    def _skip_checks_that_do_not_fit(self, props: PythonFunctionProps) -> None:
        """checkov's Lambda checks for a VPC, a concurrency cap and a key for environment variables."""
        skip_check(self.function, "CKV_AWS_117", _NO_VPC_REASON)
        skip_check(self.function, "CKV_AWS_173", _PLAIN_ENVIRONMENT_REASON)
        if props.reserved_concurrent_executions is None:
            skip_check(self.function, "CKV_AWS_115", _NO_RESERVED_CONCURRENCY_REASON)

    def _warn_about_weakened_defaults(self, props: PythonFunctionProps) -> None:
        if props.tracing == lambda_.Tracing.DISABLED:
            warn_weakened_default(self, "tracing", _TRACING_DISABLED_CONSEQUENCE)
        if props.trace_responses:
            warn_weakened_default(self, "trace_responses", _TRACED_RESPONSES_CONSEQUENCE)
        if not props.compile_bytecode:
            warn_weakened_default(self, "compile_bytecode", UNCOMPILED_CONSEQUENCE)
        if props.log_retention == logs.RetentionDays.INFINITE:
            warn_weakened_default(self, "log_retention", "logs are kept, and billed, forever.")
        if props.release is None:
            warn_weakened_default(
                self, "release", "new code takes all traffic at once, and nothing rolls it back."
            )


def _application_log_level(log_level: str) -> lambda_.ApplicationLogLevel:
    try:
        return _APPLICATION_LOG_LEVELS[log_level.upper()]
    except KeyError:
        raise UnsupportedLogLevelError(log_level) from None


def _code_directory(props: PythonFunctionProps) -> Path:
    """The asset's absolute path, resolved here so that the check and the asset agree on what it is.

    CDK resolves a relative path in its own (node) process, whose working directory does not follow a later
    ``os.chdir`` of the app, and reports a missing one only as a jsii error.
    """
    resolved = Path(props.code_path).absolute()
    if not resolved.exists():
        raise CodePathNotFoundError(props.code_path, resolved)
    return resolved


def _powertools_environment(props: PythonFunctionProps) -> dict[str, str]:
    """Powertools' settings, before the caller's ``environment`` (which may override any of them).

    Response capture is switched off here, for every function, rather than with ``capture_response=False``
    on each decorator: a decorator added later, or one forgotten, cannot leak a response into X-Ray.
    """
    environment = {"POWERTOOLS_LOG_LEVEL": props.log_level.upper()}
    if not props.trace_responses:
        environment["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] = "false"
    if props.service_name is not None:
        environment["POWERTOOLS_SERVICE_NAME"] = props.service_name
    return environment


def _powertools_layer_arn(scope: Construct, props: PythonFunctionProps) -> str:
    """Resolve, at deploy time, the ARN of the layer built for this release, interpreter and CPU architecture.

    The value is a CloudFormation parameter of type AWS::SSM::Parameter::Value<String>, so synthesis
    needs no AWS credentials, and every function of a stack shares the one parameter per layer.
    """
    if not is_python3(props.runtime):
        raise UnsupportedRuntimeError(props.runtime)
    if not _SEMANTIC_VERSION.fullmatch(props.powertools_version):
        raise InvalidPowertoolsVersionError(props.powertools_version)
    parameter_name = _POWERTOOLS_LAYER_PARAMETER.format(
        architecture=props.architecture.name,
        runtime=props.runtime.name,
        version=props.powertools_version,
    )
    return ssm.StringParameter.value_for_string_parameter(scope, parameter_name)


def _is_latest_runtime(runtime: lambda_.Runtime) -> bool:
    """Mirror cdk-nag's notion of 'latest': the newest runtime of the family this CDK version knows."""
    same_family = [known for known in lambda_.Runtime.ALL if known.family == runtime.family]
    newest = max(same_family, key=lambda known: _version_key(known.name))
    return newest.name == runtime.name


def _version_key(runtime_name: str) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", runtime_name))
