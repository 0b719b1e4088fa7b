"""Why a cloud assembly cannot be deployed on the local cloud, each error with what the user should do.

They share one base class so that the command line can report any of them as one clear line.
"""

__all__ = [
    "AssemblyError",
    "AssetMissingError",
    "BadTemplateError",
    "CloudAssemblyMissingError",
    "ManifestUnreadableError",
    "ProvisioningError",
    "ResourceChangedError",
    "TemplateMissingError",
    "UnresolvableReferenceError",
]


class AssemblyError(Exception):
    """The cloud assembly (cdk.out) cannot be deployed on the local cloud."""


class CloudAssemblyMissingError(AssemblyError):
    """There is no cdk.out, or it holds no manifest.json."""


class ManifestUnreadableError(AssemblyError):
    """manifest.json or an asset manifest is not the JSON that the CDK writes."""


class TemplateMissingError(AssemblyError):
    """The manifest names a stack template that is not in cdk.out."""


class AssetMissingError(AssemblyError):
    """An asset that a stack uses is missing from cdk.out: the synth is stale or incomplete."""


class BadTemplateError(AssemblyError):
    """A template is not JSON, has no Resources, or is malformed so that CloudFormation would refuse it."""


class UnresolvableReferenceError(AssemblyError):
    """An intrinsic function names something that the template and the earlier stacks do not define."""


class ProvisioningError(AssemblyError):
    """moto refused to create a resource with the template's properties."""


class ResourceChangedError(ProvisioningError):
    """A resource that exists on the embedded AWS from an earlier deployment changed in the template, and the
    local cloud creates resources but does not update them."""
