"""Lambda resources, modelled only: The local cloud's function host runs the functions, not moto.

Names and ARNs follow AWS's formats with the deployment's account and region; a function without
FunctionName is called ``{stack}-{logicalId}`` (64 characters at most), which its log lines show.
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners.request import (
    Provisioned,
    Provisioner,
    ProvisionRequest,
    recorded_only,
)

__all__ = ["PROVISIONERS"]

_MAX_FUNCTION_NAME = 64


def _function_name(stack: str, logical_id: str) -> str:
    """The name the local cloud gives a function whose template sets no FunctionName."""
    return f"{stack}-{logical_id}"[:_MAX_FUNCTION_NAME]


def _function(request: ProvisionRequest) -> Provisioned:
    name = str(request.properties.get("FunctionName") or _function_name(request.stack, request.logical_id))
    return Provisioned(name, {"Arn": _function_arn(request, name)})


def _layer_version(request: ProvisionRequest) -> Provisioned:
    name = request.name("LayerName", max_length=140)
    arn = request.arn("lambda", f"layer:{name}:1")
    return Provisioned(arn, {"LayerVersionArn": arn})


def _version(request: ProvisionRequest) -> Provisioned:
    function_arn = _function_arn(request, str(request.properties["FunctionName"]))
    return Provisioned(f"{function_arn}:1", {"Version": "1", "FunctionArn": function_arn})


def _alias(request: ProvisionRequest) -> Provisioned:
    function_arn = _function_arn(request, str(request.properties["FunctionName"]))
    arn = f"{function_arn}:{request.properties['Name']}"
    return Provisioned(arn, {"AliasArn": arn})


def _event_source_mapping(request: ProvisionRequest) -> Provisioned:
    mapping_id = request.uuid()
    return Provisioned(
        mapping_id,
        {
            "Id": mapping_id,
            "EventSourceMappingArn": request.arn("lambda", f"event-source-mapping:{mapping_id}"),
        },
    )


def _function_arn(request: ProvisionRequest, name_or_arn: str) -> str:
    """FunctionName properties take a name or an ARN; the ARN is what every attribute gives."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return request.arn("lambda", f"function:{name_or_arn}")


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::LayerVersion": _layer_version,
    "AWS::Lambda::Version": _version,
    "AWS::Lambda::Alias": _alias,
    "AWS::Lambda::Permission": recorded_only,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::Lambda::EventInvokeConfig": recorded_only,
}
