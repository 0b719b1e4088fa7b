"""PythonFunction: every default in the template, every override honoured, nag- and lint-clean alone."""

import importlib.util
import json
import marshal
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from aws_lambda_powertools.shared.version import VERSION as INSTALLED_POWERTOOLS_VERSION

from serverless_blocks import (
    POWERTOOLS_VERSION,
    CodePathNotFoundError,
    InvalidPowertoolsVersionError,
    PythonFunction,
    PythonFunctionProps,
    UnsupportedLogLevelError,
    UnsupportedRuntimeError,
    bytecode,
)
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

FUNCTION = "AWS::Lambda::Function"
SSM_STRING_PARAMETER = "AWS::SSM::Parameter::Value<String>"
OVERRIDDEN_POWERTOOLS_VERSION = "3.30.0"
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
SHIPPED_FILE = "handler.py"
EXCLUDED_BY_NAME = ("tests", ".pytest_cache", "conftest.py")
# What compileall writes for handler.py when run by the runtime's interpreter (the tests' venv is 3.13).
COMPILED_HANDLER = f"handler.{sys.implementation.cache_tag}.pyc"
UNCHECKED_HASH_FLAGS = 0b01
# A developer's leftover bytecode: never shipped as if it were the code's.
STALE_BYTECODE = b"\x00"
STALE_BYTECODE_NAME = "handler.cpython-313.pyc"


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A handler package with the clutter a developer's checkout really has next to the code."""
    root = tmp_path_factory.mktemp("code")
    (root / SHIPPED_FILE).write_text("def handler(event, context):\n    return {}\n")
    (root / "conftest.py").write_text("")
    (root / "tests").mkdir()
    (root / "tests" / "test_handler.py").write_text("def test_nothing():\n    pass\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / STALE_BYTECODE_NAME).write_bytes(STALE_BYTECODE)
    (root / ".pytest_cache").mkdir()
    (root / ".pytest_cache" / "README.md").write_text("cache")
    (root / "NOTES.md").write_text("not code")
    return root


@pytest.fixture(scope="module")
def default(code_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[PythonFunction]:
    def build(stack: Stack) -> PythonFunction:
        props = PythonFunctionProps(
            code_path=str(code_dir),
            handler="handler.handler",
            environment={"TABLE_NAME": "things"},
            service_name="things",
        )
        return PythonFunction(stack, "Fn", props=props)

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(code_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[PythonFunction]:
    def build(stack: Stack) -> PythonFunction:
        props = PythonFunctionProps(
            code_path=str(code_dir),
            handler="handler.handler",
            environment={"POWERTOOLS_LOG_LEVEL": "ERROR"},
            memory_size=1024,
            timeout=Duration.seconds(30),
            architecture=lambda_.Architecture.X86_64,
            runtime=lambda_.Runtime.PYTHON_3_12,
            log_retention=logs.RetentionDays.INFINITE,
            log_removal_policy=RemovalPolicy.DESTROY,
            tracing=lambda_.Tracing.DISABLED,
            powertools_version=OVERRIDDEN_POWERTOOLS_VERSION,
            log_level="debug",
            reserved_concurrent_executions=5,
            description="Overridden function",
            dead_letter_queue=sqs.Queue(stack, "Dlq"),
            layers=(
                lambda_.LayerVersion.from_layer_version_arn(
                    stack, "Extra", "arn:aws:lambda:us-east-1:123456789012:layer:extra:3"
                ),
            ),
            asset_excludes=("*.md",),
            release=None,
            trace_responses=True,
            compile_bytecode=False,
        )
        return PythonFunction(stack, "Fn", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def _function(synthesized: SynthesizedBlock[PythonFunction]) -> dict[str, Any]:
    (function,) = synthesized.template.find_resources(FUNCTION).values()
    return function["Properties"]


def _policy_statements(synthesized: SynthesizedBlock[PythonFunction]) -> list[dict[str, Any]]:
    (policy,) = synthesized.template.find_resources("AWS::IAM::Policy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _layer_parameter_names(template: Template) -> list[str]:
    """Follow each function's layer reference to the public SSM parameter CloudFormation resolves it from."""
    parameters = template.to_json()["Parameters"]
    names: list[str] = []
    for function in template.find_resources(FUNCTION).values():
        powertools_layer = function["Properties"]["Layers"][0]
        parameter = parameters[powertools_layer["Ref"]]
        assert parameter["Type"] == SSM_STRING_PARAMETER
        names.append(parameter["Default"])
    return names


def _props(code_dir: Path, **overrides: Any) -> PythonFunctionProps:
    return PythonFunctionProps(code_path=str(code_dir), handler="handler.handler", **overrides)


def _staged_dir(synthesized: SynthesizedBlock[PythonFunction]) -> Path:
    asset_hash = _function(synthesized)["Code"]["S3Key"].removesuffix(".zip")
    return synthesized.assembly_dir / f"asset.{asset_hash}"


def _staged_files(synthesized: SynthesizedBlock[PythonFunction]) -> set[str]:
    staged = _staged_dir(synthesized)
    return {path.relative_to(staged).parts[0] for path in staged.rglob("*")}


def _staged_bytecode(synthesized: SynthesizedBlock[PythonFunction]) -> set[str]:
    return {path.name for path in _staged_dir(synthesized).rglob("*.pyc")}


def test_default_runtime_sizing_and_tracing(default: SynthesizedBlock[PythonFunction]) -> None:
    default.template.has_resource_properties(
        FUNCTION,
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "MemorySize": 512,
            "Timeout": 10,
            "Handler": "handler.handler",
            "TracingConfig": {"Mode": "Active"},
            "ReservedConcurrentExecutions": Match.absent(),
            "DeadLetterConfig": Match.absent(),
            "Description": Match.absent(),
        },
    )


def test_default_logs_json_to_its_own_log_group(default: SynthesizedBlock[PythonFunction]) -> None:
    log_group_id = default.stack.get_logical_id(default.block.log_group.node.default_child)
    default.template.has_resource_properties(
        FUNCTION,
        {
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "LogGroup": {"Ref": log_group_id},
            }
        },
    )
    default.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    )


def test_default_powertools_environment_is_merged_with_the_callers(
    default: SynthesizedBlock[PythonFunction],
) -> None:
    assert _function(default)["Environment"]["Variables"] == {
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "things",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "TABLE_NAME": "things",
    }


def test_default_traces_keep_no_return_values(default: SynthesizedBlock[PythonFunction]) -> None:
    """Powertools reads this when its decorators are applied: no handler or method response reaches X-Ray."""
    assert _function(default)["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


def test_default_layer_is_resolved_at_deploy_time_from_the_pinned_releases_ssm_parameter(
    default: SynthesizedBlock[PythonFunction],
) -> None:
    assert _layer_parameter_names(default.template) == [
        "/aws/service/powertools/python/arm64/python3.13/3.37.0"
    ]


def test_default_role_has_no_managed_policy_and_only_log_and_trace_permissions(
    default: SynthesizedBlock[PythonFunction],
) -> None:
    log_group_id = default.stack.get_logical_id(default.block.log_group.node.default_child)
    default.template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()})
    assert _policy_statements(default) == [
        {"Action": LOG_ACTIONS, "Effect": "Allow", "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]}},
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*"},
    ]


def test_default_asset_leaves_tests_and_caches_out(default: SynthesizedBlock[PythonFunction]) -> None:
    staged = _staged_files(default)
    assert SHIPPED_FILE in staged
    assert staged.isdisjoint(EXCLUDED_BY_NAME)
    # The developer's own __pycache__ stays out: the only bytecode is the one compiled for the runtime.
    assert _staged_bytecode(default) == {COMPILED_HANDLER}


def test_default_asset_ships_bytecode_compiled_for_the_runtime(
    default: SynthesizedBlock[PythonFunction], code_dir: Path
) -> None:
    """Lambda cannot write __pycache__ in /var/task: without shipped bytecode each cold start compiles."""
    compiled = (_staged_dir(default) / "__pycache__" / COMPILED_HANDLER).read_bytes()
    assert compiled[:4] == importlib.util.MAGIC_NUMBER
    # PEP 552 flags: hash-based (bit 0) and unchecked (bit 1 clear), so no timestamp makes the asset differ.
    assert int.from_bytes(compiled[4:8], "little") == UNCHECKED_HASH_FLAGS
    assert compiled[8:16] == importlib.util.source_hash((code_dir / SHIPPED_FILE).read_bytes())
    # Bytecode this very synthesis compiled from the test's own source.
    assert marshal.loads(compiled[16:]).co_filename  # noqa: S302 == f"/var/task/{SHIPPED_FILE}"


def test_default_exposes_the_resources_it_creates(default: SynthesizedBlock[PythonFunction]) -> None:
    assert isinstance(default.block.function, lambda_.Function)
    assert isinstance(default.block.log_group, logs.LogGroup)
    assert isinstance(default.block.role, iam.Role)
    assert default.block.function.role is default.block.role
    assert default.block.release is not None
    assert default.block.invocable is default.block.release.alias


def test_default_callers_invoke_the_live_alias_that_codedeploy_shifts_all_at_once(
    default: SynthesizedBlock[PythonFunction],
) -> None:
    function_id = default.stack.get_logical_id(default.block.function.node.default_child)
    default.template.has_resource_properties(
        "AWS::Lambda::Alias", {"Name": "live", "FunctionName": {"Ref": function_id}}
    )
    default.template.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "DeploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
            "AutoRollbackConfiguration": {
                "Enabled": True,
                "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"],
            },
        },
    )
    default.template.resource_count_is("AWS::CloudWatch::Alarm", 2)


def test_override_without_release_callers_invoke_the_function(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    assert overridden.block.release is None
    assert overridden.block.invocable is overridden.block.function
    overridden.template.resource_count_is("AWS::Lambda::Alias", 0)
    overridden.template.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 0)


def test_default_is_nag_clean_with_justified_acknowledgments(
    default: SynthesizedBlock[PythonFunction],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert_acknowledgments_justified(default.stack)
    assert {ack.rule_id for ack in acknowledgments(default.stack)} == {
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-L1",
        "Serverless-LambdaLatestVersion",
        "Serverless-LambdaDLQ",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]",
    }


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[PythonFunction]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[PythonFunction]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_runtime_sizing_and_concurrency(overridden: SynthesizedBlock[PythonFunction]) -> None:
    overridden.template.has_resource_properties(
        FUNCTION,
        {
            "Runtime": "python3.12",
            "Architectures": ["x86_64"],
            "MemorySize": 1024,
            "Timeout": 30,
            "ReservedConcurrentExecutions": 5,
            "Description": "Overridden function",
            "TracingConfig": Match.absent(),
            "DeadLetterConfig": {"TargetArn": Match.any_value()},
            "LoggingConfig": Match.object_like({"ApplicationLogLevel": "DEBUG"}),
        },
    )


def test_override_layer_follows_runtime_architecture_and_version(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    assert _layer_parameter_names(overridden.template) == [
        f"/aws/service/powertools/python/x86_64/python3.12/{OVERRIDDEN_POWERTOOLS_VERSION}"
    ]


def test_override_adds_extra_layers_after_powertools(overridden: SynthesizedBlock[PythonFunction]) -> None:
    layers = _function(overridden)["Layers"]
    assert len(layers) == 2
    assert layers[1] == "arn:aws:lambda:us-east-1:123456789012:layer:extra:3"


def test_override_environment_wins_over_construct_defaults(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    assert _function(overridden)["Environment"]["Variables"] == {"POWERTOOLS_LOG_LEVEL": "ERROR"}


def test_override_log_group_retention_and_removal(overridden: SynthesizedBlock[PythonFunction]) -> None:
    overridden.template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": Match.absent(), "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"},
    )


def test_override_grants_the_dead_letter_queue_and_no_xray(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    actions = [statement["Action"] for statement in _policy_statements(overridden)]
    assert actions == [LOG_ACTIONS, "sqs:SendMessage"]


def test_override_asset_excludes_replace_the_defaults(overridden: SynthesizedBlock[PythonFunction]) -> None:
    staged = _staged_files(overridden)
    assert "NOTES.md" not in staged
    assert {"tests", "conftest.py"} <= staged


def test_override_compile_bytecode_off_ships_the_folder_as_it_is(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    # Nothing compiled: the only .pyc is the developer's own, which these excludes let through.
    assert _staged_bytecode(overridden) == {STALE_BYTECODE_NAME}
    assert (_staged_dir(overridden) / "__pycache__" / STALE_BYTECODE_NAME).read_bytes() == STALE_BYTECODE


def test_unstaged_synthesis_points_at_the_code_folder_uncompiled(code_dir: Path, tmp_path: Path) -> None:
    """`cdk synth --no-staging` (local tools) runs the code where it is, so nothing is bundled."""
    app = App(outdir=str(tmp_path), context={"aws:cdk:disable-asset-staging": True})
    stack = Stack(app, "Unstaged")
    PythonFunction(stack, "Fn", props=_props(code_dir))
    app.synth()
    manifest = json.loads((tmp_path / "Unstaged.assets.json").read_text())
    sources = [entry["source"] for entry in manifest["files"].values()]
    assert [source["path"] for source in sources if source["packaging"] == "zip"] == [str(code_dir)]


def test_without_an_interpreter_for_the_runtime_the_asset_ships_sources_and_says_why(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bytecode, "runtime_interpreter", lambda runtime: None)
    stack = Stack(App(outdir=str(tmp_path)), "NoInterpreter")
    function = PythonFunction(stack, "Fn", props=_props(code_dir))
    (warning,) = [
        str(entry.data)
        for entry in function.node.metadata
        if entry.type == "aws:cdk:warning" and "bytecode-not-compiled" in str(entry.data)
    ]
    assert "No python3.13 interpreter on this machine" in warning
    assert "ships without bytecode" in warning


def test_a_module_that_does_not_compile_fails_the_synthesis_with_its_name(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "broken.py").write_text("def handler(event, context):\n    return {\n")
    stack = Stack(App(outdir=str(tmp_path / "out")), "Broken")
    props = PythonFunctionProps(code_path=str(code), handler="broken.handler")
    # CDK stages (and so bundles) an asset when the function is built.
    with pytest.raises(RuntimeError, match=r"does not compile, so Lambda could not import it") as raised:
        PythonFunction(stack, "Fn", props=props)
    assert 'File "/var/task/broken.py", line 2' in str(raised.value)


def test_override_warns_about_each_weakened_default(overridden: SynthesizedBlock[PythonFunction]) -> None:
    assert weakened_defaults(overridden.stack) == {
        "tracing",
        "log_retention",
        "release",
        "trace_responses",
        "compile_bytecode",
    }


def test_override_drops_acknowledgments_that_no_longer_apply(
    overridden: SynthesizedBlock[PythonFunction],
) -> None:
    acknowledged = {ack.rule_id for ack in acknowledgments(overridden.stack)}
    assert acknowledged.isdisjoint({"AwsSolutions-IAM5[Resource::*]", "Serverless-LambdaDLQ"})


def test_functions_of_a_stack_share_one_parameter_per_layer(code_dir: Path) -> None:
    stack = Stack()
    PythonFunction(stack, "First", props=_props(code_dir))
    PythonFunction(stack, "Second", props=_props(code_dir))
    PythonFunction(stack, "OnX86", props=_props(code_dir, architecture=lambda_.Architecture.X86_64))
    template = Template.from_stack(stack)

    first, second, on_x86 = _layer_parameter_names(template)
    assert first == second != on_x86
    powertools_parameters = {"Default": Match.string_like_regexp(r"^/aws/service/powertools/")}
    assert len(template.find_parameters("*", powertools_parameters)) == 2


def test_default_powertools_version_matches_the_installed_library() -> None:
    assert POWERTOOLS_VERSION == INSTALLED_POWERTOOLS_VERSION, (
        f"PythonFunction deploys the Powertools {POWERTOOLS_VERSION} layer but the tests run "
        f"aws-lambda-powertools {INSTALLED_POWERTOOLS_VERSION}; bump both POWERTOOLS_VERSION in "
        "serverless_blocks/python_function.py and the aws-lambda-powertools pin in requirements-dev.txt "
        "to the same release."
    )


@pytest.mark.parametrize("version", ["latest", "3.37", "v3.37.0", "3.37.0rc1", " 3.37.0"])
def test_powertools_version_that_is_not_an_exact_release_is_refused(code_dir: Path, version: str) -> None:
    props = _props(code_dir, powertools_version=version)
    with pytest.raises(InvalidPowertoolsVersionError, match=r"MAJOR\.MINOR\.PATCH"):
        PythonFunction(Stack(), "Fn", props=props)


def test_unknown_log_level_is_refused(code_dir: Path) -> None:
    props = _props(code_dir, log_level="VERBOSE")
    with pytest.raises(UnsupportedLogLevelError, match="DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        PythonFunction(Stack(), "Fn", props=props)


def test_non_python_runtime_is_refused(code_dir: Path) -> None:
    props = _props(code_dir, runtime=lambda_.Runtime.NODEJS_22_X)
    with pytest.raises(UnsupportedRuntimeError, match=r"nodejs22\.x"):
        PythonFunction(Stack(), "Fn", props=props)


def test_a_relative_code_path_that_does_not_exist_names_the_directory_it_was_resolved_against(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    props = PythonFunctionProps(code_path="lambdaz", handler="handler.handler")

    with pytest.raises(CodePathNotFoundError, match="lambdaz") as raised:
        PythonFunction(Stack(), "Fn", props=props)

    message = str(raised.value)
    assert f"resolved against the current working directory {tmp_path}" in message
    assert str(tmp_path / "lambdaz") in message


def test_an_absolute_code_path_that_does_not_exist_is_named_as_given(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    props = PythonFunctionProps(code_path=str(missing), handler="handler.handler")

    with pytest.raises(CodePathNotFoundError, match=f"code_path {str(missing)!r} does not exist") as raised:
        PythonFunction(Stack(), "Fn", props=props)

    assert "an absolute path" in str(raised.value)
