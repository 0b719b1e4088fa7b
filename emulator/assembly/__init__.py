"""The embedded AWS's deployer: reads cdk.out, resolves intrinsics, creates the resources on moto server.

``deploy(cdk_out, endpoint_url=...)`` returns the :class:`~emulator.deployment.Deployment` that the rest
of the emulator reads. Every failure is an :class:`AssemblyError` whose message says what to do.
"""

from emulator.assembly.cloud_assembly import CloudAssembly, StackArtifact, read_cloud_assembly
from emulator.assembly.deployer import deploy, deploy_assembly
from emulator.assembly.errors import (
    AssemblyError,
    AssetMissingError,
    BadTemplateError,
    CloudAssemblyMissingError,
    ManifestUnreadableError,
    ProvisioningError,
    TemplateMissingError,
    UnresolvableReferenceError,
)
from emulator.assembly.template_parameters import UNRESOLVED_SSM_PARAMETER_PREFIX

__all__ = [
    "UNRESOLVED_SSM_PARAMETER_PREFIX",
    "AssemblyError",
    "AssetMissingError",
    "BadTemplateError",
    "CloudAssembly",
    "CloudAssemblyMissingError",
    "ManifestUnreadableError",
    "ProvisioningError",
    "StackArtifact",
    "TemplateMissingError",
    "UnresolvableReferenceError",
    "deploy",
    "deploy_assembly",
    "read_cloud_assembly",
]
