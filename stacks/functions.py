"""How Corkboard makes a Lambda function: one asset (`lambdas/`), one set of defaults, one line each."""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_blocks import DEFAULT_ASSET_EXCLUDES, CanaryReleaseProps, PythonFunction, PythonFunctionProps
from stacks.config import EnvironmentConfig
from stacks.encryption import allow_key_use

__all__ = ["ASSET_EXCLUDES", "LAMBDA_CODE_PATH", "corkboard_function"]

LAMBDA_CODE_PATH = "lambdas"
# Layer requirements live beside the code but are build input for layers, not function code.
ASSET_EXCLUDES = (*DEFAULT_ASSET_EXCLUDES, "layers")
_RELEASES_ID = "Releases"


def corkboard_function(
    scope: Construct,
    construct_id: str,
    *,
    config: EnvironmentConfig,
    encryption_key: kms.IKey | None,
    handler: str,
    service: str,
    description: str,
    environment: Mapping[str, str] | None = None,
    layers: Sequence[lambda_.ILayerVersion] = (),
    timeout: Duration | None = None,
) -> PythonFunction:
    """A PythonFunction running `handler` from the shared asset, released as the environment says.

    Callers invoke its ``invocable`` (the ``live`` alias): CodeDeploy moves that alias to each new version
    per ``deploymentPreference`` and moves it back when the function's error or throttle alarm fires.
    With ``encryption_key`` (the environment's key, or None) its log group is encrypted with that key and
    its role may use the key through DynamoDB, SQS and Secrets Manager.
    """
    optional = {"timeout": timeout} if timeout else {}
    function = PythonFunction(
        scope,
        construct_id,
        props=PythonFunctionProps(
            code_path=LAMBDA_CODE_PATH,
            handler=handler,
            service_name=service,
            description=description,
            log_retention=config.log_retention,
            environment=dict(environment or {}),
            layers=layers,
            asset_excludes=ASSET_EXCLUDES,
            encryption_key=encryption_key,
            release=CanaryReleaseProps(
                deployment_config=config.deployment_config, application=_releases(Stack.of(scope))
            ),
            **optional,
        ),
    )
    if encryption_key is not None:
        allow_key_use(function.role, encryption_key)
    return function


def _releases(stack: Stack) -> codedeploy.ILambdaApplication:
    """One CodeDeploy application per stack holds the deployment groups of all its functions."""
    existing = stack.node.try_find_child(_RELEASES_ID)
    if isinstance(existing, codedeploy.LambdaApplication):
        return existing
    return codedeploy.LambdaApplication(stack, _RELEASES_ID)
