"""Deploys a synthesized CDK app on the embedded AWS (moto server), as ``cdk deploy`` would on AWS.

Stacks go in dependency order and each stack's resources after what they refer to. Each resource's
properties are resolved, then its provisioner creates it on moto (or only models it), and the result is
recorded with its physical id and attributes. A type that the local cloud does not emulate gets one warning
line per type and a generated id, so that references to it still resolve.

Deployed again over the embedded AWS of an earlier run (a restored state), the deployer is given that run's
resources: one whose type and resolved properties are unchanged is taken as it was, without asking moto; a
new one is created; a changed one is provisioned again only if its provisioner does not need moto (what the
local cloud only models: functions, API Gateway, log groups). Otherwise it raises
:class:`~cdk_local_cloud.assembly.errors.ResourceChangedError`, since provisioners create and never update.
"""

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from cdk_local_cloud.assembly.cfn_text import as_text
from cdk_local_cloud.assembly.cloud_assembly import CloudAssembly, StackArtifact, read_cloud_assembly
from cdk_local_cloud.assembly.dependency_order import dependency_order
from cdk_local_cloud.assembly.errors import (
    AssemblyError,
    BadTemplateError,
    ProvisioningError,
    ResourceChangedError,
)
from cdk_local_cloud.assembly.intrinsics import Resolver, referenced_names
from cdk_local_cloud.assembly.physical_names import generated_name
from cdk_local_cloud.assembly.provisioners import (
    Provisioner,
    ProvisionRequest,
    is_custom_resource,
    provisioner_for,
)
from cdk_local_cloud.assembly.pseudo_parameters import PseudoParameters
from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.server import FAKE_ACCOUNT_ID

__all__ = ["deploy", "deploy_assembly"]

logger = logging.getLogger(__name__)

# CDK's usage analytics: no behaviour, so not even worth a warning.
_SILENTLY_SKIPPED = frozenset({"AWS::CDK::Metadata"})


def deploy(
    cdk_out: Path,
    *,
    endpoint_url: str,
    region: str = "us-east-1",
    account_id: str = FAKE_ACCOUNT_ID,
    previous: Iterable[Resource] = (),
) -> Deployment:
    """Reads ``cdk_out`` and deploys every stack on the moto server at ``endpoint_url``: an empty one, or
    one that already holds the ``previous`` deployment's resources (see the module's docstring).

    Raises an :class:`~cdk_local_cloud.assembly.errors.AssemblyError` subclass that says what to do when
    cdk.out
    is missing or stale, a template is bad, a reference cannot be resolved, or moto refuses a resource.
    """
    assembly = read_cloud_assembly(cdk_out)
    return deploy_assembly(
        assembly, endpoint_url=endpoint_url, region=region, account_id=account_id, previous=previous
    )


def deploy_assembly(
    assembly: CloudAssembly,
    *,
    endpoint_url: str,
    region: str = "us-east-1",
    account_id: str = FAKE_ACCOUNT_ID,
    previous: Iterable[Resource] = (),
) -> Deployment:
    """:func:`deploy` for an assembly already read (or built in memory, as tests do)."""
    run = _DeploymentRun(MotoClients(endpoint_url, region), region, account_id, previous)
    for stack in assembly.stacks:
        run.deploy_stack(stack)
    run.warn_about_unsupported_types()
    return Deployment(
        region=region,
        account_id=account_id,
        aws_endpoint_url=endpoint_url,
        cdk_out=assembly.directory,
        resources=tuple(run.resources),
        outputs=run.outputs,
        asset_paths=assembly.asset_paths,
    )


@dataclass(frozen=True)
class _TemplateResource:
    """One resource of a stack's template, on its way to becoming a deployed :class:`Resource`."""

    stack: str
    logical_id: str
    definition: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.definition.get("Type", ""))

    @property
    def where(self) -> str:
        return f"resource {self.logical_id}"

    def deployed(
        self, properties: Mapping[str, Any], physical_id: str, attributes: Mapping[str, str]
    ) -> Resource:
        return Resource(
            stack=self.stack,
            logical_id=self.logical_id,
            type=self.type,
            properties=properties,
            physical_id=physical_id,
            attributes=dict(attributes),
        )


class _DeploymentRun:
    """What one deployment has created so far, which later resources and stacks refer to."""

    def __init__(
        self, clients: MotoClients, region: str, account_id: str, previous: Iterable[Resource]
    ) -> None:
        self._clients = clients
        self._region = region
        self._account_id = account_id
        self._previous = {(resource.stack, resource.logical_id): resource for resource in previous}
        self.resources: list[Resource] = []
        self.outputs: dict[str, dict[str, str]] = {}
        self._exports: dict[str, str] = {}
        self._unsupported: Counter[str] = Counter()

    def deploy_stack(self, stack: StackArtifact) -> None:
        deployed: dict[str, Resource] = {}
        opaque: set[str] = set()
        resolver = Resolver(
            stack.template,
            PseudoParameters(stack_name=stack.name, region=self._region, account_id=self._account_id),
            resources=deployed,
            opaque_resources=opaque,
            stack_outputs=self.outputs,
            exports=self._exports,
            ssm_lookup=self._ssm_value,
        )
        definitions: Mapping[str, Mapping[str, Any]] = stack.template["Resources"]
        order = dependency_order(
            {logical_id: _dependencies(definition) for logical_id, definition in definitions.items()},
            what=f"resources of stack {stack.name}",
        )
        for logical_id in order:
            pending = _TemplateResource(stack.name, logical_id, definitions[logical_id])
            if pending.type in _SILENTLY_SKIPPED or not resolver.is_enabled(
                pending.definition, where=pending.where
            ):
                continue
            provisioner = provisioner_for(pending.type)
            if provisioner is None or is_custom_resource(pending.type):
                opaque.add(logical_id)
            if provisioner is None:
                resource = self._unsupported_resource(pending, resolver)
            else:
                resource = self._provisioned_resource(provisioner, pending, resolver)
            deployed[logical_id] = resource
            self.resources.append(resource)
        self.outputs[stack.name] = self._stack_outputs(stack.template, resolver)
        logger.info("local cloud: deployed stack %s (%d resources)", stack.name, len(deployed))

    def warn_about_unsupported_types(self) -> None:
        for resource_type, count in sorted(self._unsupported.items()):
            noun, verb = ("resource", "is") if count == 1 else ("resources", "are")
            logger.warning("local cloud: %d %s %s %s not emulated; ignored", count, resource_type, noun, verb)

    def _provisioned_resource(
        self, provisioner: Provisioner, pending: _TemplateResource, resolver: Resolver
    ) -> Resource:
        properties = resolver.resolve(pending.definition.get("Properties", {}), where=pending.where)
        label = f"Stack {pending.stack}, resource {pending.logical_id} ({pending.type})"
        previous = self._previous.get((pending.stack, pending.logical_id))
        if previous is not None and previous.type == pending.type and previous.properties == properties:
            return pending.deployed(properties, previous.physical_id, previous.attributes)
        request = ProvisionRequest(
            stack=pending.stack,
            logical_id=pending.logical_id,
            type=pending.type,
            properties=properties,
            region=self._region,
            account_id=self._account_id,
            clients=self._clients if previous is None else _NoClientsForAChange(label),
        )
        try:
            provisioned = provisioner(request)
        except KeyError as error:
            raise BadTemplateError(f"{label} lacks the property {error}: fix the template.") from error
        except ResourceChangedError:
            raise
        except (ClientError, BotoCoreError, ProvisioningError) as error:
            raise ProvisioningError(
                f"{label} cannot be created on the embedded AWS: {error}. Check its template properties."
            ) from error
        return pending.deployed(properties, provisioned.physical_id, provisioned.attributes)

    def _unsupported_resource(self, pending: _TemplateResource, resolver: Resolver) -> Resource:
        """A record with a generated id and ARN, so that what refers to the resource still deploys."""
        self._unsupported[pending.type] += 1
        try:
            properties = resolver.resolve(pending.definition.get("Properties", {}), where=pending.where)
        except AssemblyError as error:
            # Nothing reads an unsupported resource's properties: an exotic intrinsic there must not stop us.
            logger.debug("local cloud: properties of %s left unresolved: %s", pending.logical_id, error)
            properties = {}
        physical_id = generated_name(pending.stack, pending.logical_id, max_length=128)
        _, service, kind = [*pending.type.lower().split("::", 2), "", ""][:3]
        arn = f"arn:aws:{service}:{self._region}:{self._account_id}:{kind}/{physical_id}"
        return pending.deployed(properties, physical_id, {"Arn": arn})

    def _stack_outputs(self, template: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, output in template.get("Outputs", {}).items():
            where = f"output {name}"
            if not resolver.is_enabled(output, where=where):
                continue
            values[name] = as_text(resolver.resolve(output["Value"], where=where))
            if "Export" in output:
                self._exports[as_text(resolver.resolve(output["Export"]["Name"], where=where))] = values[name]
        return values

    def _ssm_value(self, name: str) -> str | None:
        try:
            return str(self._clients.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise


class _NoClientsForAChange:
    """What a changed resource's provisioner gets: it may model the resource again, never call moto."""

    def __init__(self, label: str) -> None:
        self._label = label

    def client(self, service: str) -> NoReturn:
        raise ResourceChangedError(
            f"{self._label} changed since the embedded AWS created it, and the local cloud creates "
            f"{service} resources but does not update them."
        )


def _dependencies(definition: Mapping[str, Any]) -> set[str]:
    depends_on = definition.get("DependsOn", [])
    explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    return explicit | referenced_names(definition.get("Properties", {}))
