"""API Gateway REST and WebSocket (v2) resources, modelled only: The local cloud's gateway serves them.

Ids are derived from the stack and logical id (REST and WebSocket API ids: 10 lowercase letters and
digits, as AWS's), so the local URLs stay the same from one run to the next.
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]

_API_ID_LENGTH = 10
_RESOURCE_ID_LENGTH = 6


def _rest_api(request: ProvisionRequest) -> Provisioned:
    api_id = request.short_id(length=_API_ID_LENGTH)
    root_id = request.short_id("/", length=_API_ID_LENGTH)
    return Provisioned(api_id, {"RestApiId": api_id, "RootResourceId": root_id})


def _websocket_or_http_api(request: ProvisionRequest) -> Provisioned:
    api_id = request.short_id(length=_API_ID_LENGTH)
    scheme = "wss" if request.properties.get("ProtocolType") == "WEBSOCKET" else "https"
    endpoint = f"{scheme}://{api_id}.execute-api.{request.region}.amazonaws.com"
    return Provisioned(api_id, {"ApiId": api_id, "ApiEndpoint": endpoint})


def _stage(request: ProvisionRequest) -> Provisioned:
    return Provisioned(str(request.properties["StageName"]))


def _identified(attribute: str | None = None) -> Provisioner:
    """A member of an API whose Ref (and ``attribute``, when AWS has one) is a short generated id."""

    def provision(request: ProvisionRequest) -> Provisioned:
        member_id = request.short_id(length=_RESOURCE_ID_LENGTH)
        return Provisioned(member_id, {attribute: member_id} if attribute else {})

    return provision


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Resource": _identified("ResourceId"),
    "AWS::ApiGateway::Method": _identified(),
    "AWS::ApiGateway::Deployment": _identified("DeploymentId"),
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::Authorizer": _identified("AuthorizerId"),
    "AWS::ApiGateway::GatewayResponse": _identified(),
    "AWS::ApiGateway::RequestValidator": _identified("RequestValidatorId"),
    "AWS::ApiGateway::Account": _identified(),
    "AWS::ApiGatewayV2::Api": _websocket_or_http_api,
    "AWS::ApiGatewayV2::Route": _identified("RouteId"),
    "AWS::ApiGatewayV2::Integration": _identified("IntegrationId"),
    "AWS::ApiGatewayV2::Authorizer": _identified("AuthorizerId"),
    "AWS::ApiGatewayV2::Deployment": _identified("DeploymentId"),
    "AWS::ApiGatewayV2::Stage": _stage,
}
