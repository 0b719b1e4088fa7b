"""The value each template parameter takes when nobody passes one, as in a plain ``cdk deploy``.

SSM-typed parameters (``AWS::SSM::Parameter::Value<...>``) name a parameter in SSM Parameter Store.
AWS's public ones (``/aws/service/...``, e.g. Lambda layer ARNs) cannot be read offline, so unless
moto's SSM holds the name, the value is a placeholder that says which parameter it stands for.
"""

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["UNRESOLVED_SSM_PARAMETER_PREFIX", "SsmLookup", "parameter_value"]

# A placeholder value is this prefix followed by the SSM parameter's name.
UNRESOLVED_SSM_PARAMETER_PREFIX = "unresolved-ssm-parameter:"

# Returns the value of an SSM parameter by name, or None when SSM does not hold it.
SsmLookup = Callable[[str], str | None]

_SSM_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"


def parameter_value(definition: Mapping[str, Any], ssm_lookup: SsmLookup) -> Any:
    """The parameter's Default (looked up in SSM for SSM types); ``KeyError`` when it has no Default."""
    default = definition["Default"]
    parameter_type = str(definition.get("Type", "String"))
    value = _from_ssm(str(default), ssm_lookup) if parameter_type.startswith(_SSM_TYPE_PREFIX) else default
    if "List<" in parameter_type or "CommaDelimitedList" in parameter_type:
        return [item.strip() for item in str(value).split(",")]
    return value


def _from_ssm(name: str, ssm_lookup: SsmLookup) -> str:
    value = ssm_lookup(name)
    return f"{UNRESOLVED_SSM_PARAMETER_PREFIX}{name}" if value is None else value
