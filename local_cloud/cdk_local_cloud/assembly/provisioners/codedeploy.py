"""CodeDeploy's Lambda releases, modelled only: locally every alias serves the function's current code.

CodeDeploy moves an alias from one published version to the next. The local cloud has one version of each
function, the code on disk, which it reloads on change; so a release has nothing to shift, and a rollback
is a checkout of the previous code. The resources get names so that references to them resolve.
"""

from collections.abc import Mapping

from cdk_local_cloud.assembly.provisioners.request import Provisioned, Provisioner, ProvisionRequest

__all__ = ["PROVISIONERS"]


def _application(request: ProvisionRequest) -> Provisioned:
    return Provisioned(request.name("ApplicationName", max_length=100))


def _deployment_group(request: ProvisionRequest) -> Provisioned:
    return Provisioned(request.name("DeploymentGroupName", max_length=100))


PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::CodeDeploy::Application": _application,
    "AWS::CodeDeploy::DeploymentGroup": _deployment_group,
}
