"""Names a deployed function by its name and its ARN, whichever of the two the template gave.

Templates point at functions by name (``Ref``) or by ARN (``Fn::GetAtt``); log lines want the name and
destination records want the ARN, so both are worked out once.
"""

from dataclasses import dataclass

from cdk_local_cloud.contracts.deployment import Deployment, DeploymentLookupError, Resource

__all__ = ["FunctionRef", "resolve_function"]

FUNCTION_TYPE = "AWS::Lambda::Function"
# An alias or a published version stands for its function: locally each serves the current code.
_QUALIFIED_TYPES = frozenset({"AWS::Lambda::Alias", "AWS::Lambda::Version"})
# arn:aws:lambda:region:account:function:name[:qualifier]
_ARN_NAME_INDEX = 6


@dataclass(frozen=True)
class FunctionRef:
    """A function as an event source targets it; ``resource`` is None when the deployment lacks it."""

    name: str
    arn: str
    resource: Resource | None


def _deployed_function(deployment: Deployment, name_or_arn: str) -> Resource | None:
    try:
        resource = deployment.by_physical_id(name_or_arn)
    except DeploymentLookupError:
        return None
    if resource.type in _QUALIFIED_TYPES:
        return _deployed_function(deployment, str(resource.properties.get("FunctionName", "")))
    return resource if resource.type == FUNCTION_TYPE else None


def _unqualified_name(name_or_arn: str) -> str:
    """``name``, ``name:qualifier`` or a (qualified) ARN -> ``name``: Lambda accepts all of them."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[_ARN_NAME_INDEX]
    return name_or_arn.split(":", 1)[0]


def resolve_function(deployment: Deployment, name_or_arn: str) -> FunctionRef:
    name = _unqualified_name(name_or_arn)
    resource = _deployed_function(deployment, name_or_arn) or _deployed_function(deployment, name)
    if resource is not None:
        name = resource.physical_id
    default_arn = f"arn:aws:lambda:{deployment.region}:{deployment.account_id}:function:{name}"
    arn = resource.arn if resource is not None and resource.arn else default_arn
    return FunctionRef(name, arn, resource)
