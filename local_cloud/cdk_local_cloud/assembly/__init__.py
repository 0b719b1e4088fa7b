"""The embedded AWS's deployer: reads cdk.out, resolves intrinsics, creates the resources on moto server.

``deploy(cdk_out, endpoint_url=...)`` returns the :class:`~cdk_local_cloud.contracts.deployment.Deployment`
that the rest
of the local cloud reads. Every failure is an :class:`AssemblyError` whose message says what to do.
"""

from cdk_local_cloud.assembly.cloud_assembly import CloudAssembly, StackArtifact, read_cloud_assembly
from cdk_local_cloud.assembly.deployer import deploy, deploy_assembly
from cdk_local_cloud.assembly.errors import (
    AssemblyError,
    AssetMissingError,
    BadTemplateError,
    CloudAssemblyMissingError,
    ManifestUnreadableError,
    ProvisioningError,
    ResourceChangedError,
    TemplateMissingError,
    UnresolvableReferenceError,
)
from cdk_local_cloud.assembly.template_parameters import UNRESOLVED_SSM_PARAMETER_PREFIX

__all__ = [
    "UNRESOLVED_SSM_PARAMETER_PREFIX",
    "AssemblyError",
    "AssetMissingError",
    "BadTemplateError",
    "CloudAssembly",
    "CloudAssemblyMissingError",
    "ManifestUnreadableError",
    "ProvisioningError",
    "ResourceChangedError",
    "StackArtifact",
    "TemplateMissingError",
    "UnresolvableReferenceError",
    "deploy",
    "deploy_assembly",
    "read_cloud_assembly",
]
