"""CloudWatch Logs log groups, modelled only: the function host prints logs to the terminal instead."""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _log_group(request: ProvisionRequest) -> Provisioned:
    name = request.name("LogGroupName", max_length=512)
    return Provisioned(name, {"Arn": request.arn("logs", f"log-group:{name}:*")})


PROVISIONERS: Mapping[str, Provisioner] = {"AWS::Logs::LogGroup": _log_group}
