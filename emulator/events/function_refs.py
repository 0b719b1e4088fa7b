"""Names a deployed function by its name and its ARN, whichever of the two the template gave.

Templates point at functions by name (``Ref``) or by ARN (``Fn::GetAtt``); log lines want the name and
destination records want the ARN, so both are worked out once.
"""

from dataclasses import dataclass

from emulator.deployment import Deployment, DeploymentLookupError, Resource

__all__ = ["FunctionRef", "resolve_function"]

FUNCTION_TYPE = "AWS::Lambda::Function"
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
    return resource if resource.type == FUNCTION_TYPE else None


def resolve_function(deployment: Deployment, name_or_arn: str) -> FunctionRef:
    resource = _deployed_function(deployment, name_or_arn)
    if resource is not None:
        name = resource.physical_id
    elif name_or_arn.startswith("arn:"):
        name = name_or_arn.split(":")[_ARN_NAME_INDEX]
    else:
        name = name_or_arn
    default_arn = f"arn:aws:lambda:{deployment.region}:{deployment.account_id}:function:{name}"
    arn = resource.arn if resource is not None and resource.arn else default_arn
    return FunctionRef(name, arn, resource)
