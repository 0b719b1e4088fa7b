"""Every identity-policy statement that a template role carries, wherever the template attached it.

A role gets statements from its inline ``Policies``, from ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy``
resources that list it in ``Roles``, and from ``ManagedPolicyArns``. AWS managed policies are not in the
template and cannot be read offline, so they grant nothing here; a warning names each one once.
"""

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.iam.one_time_warnings import OneTimeWarnings

__all__ = ["RoleNotFoundError", "role_statements"]

_logger = logging.getLogger(__name__)
_managed_policy_warnings = OneTimeWarnings(_logger)

_ROLE = "AWS::IAM::Role"
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
_AWS_MANAGED_POLICY_ARN = re.compile(r"^arn:[a-z-]+:iam::aws:policy/")


class RoleNotFoundError(LookupError):
    """The role ARN names no ``AWS::IAM::Role`` of the deployment."""


def role_statements(deployment: Deployment, role_arn: str) -> list[dict[str, Any]]:
    """The statements of every policy attached to the template role ``role_arn`` (or its name)."""
    role = _find_role(deployment, role_arn)
    documents = [policy["PolicyDocument"] for policy in role.properties.get("Policies", [])]
    documents += [policy.properties["PolicyDocument"] for policy in _attached_policies(deployment, role)]
    return [dict(statement) for document in documents for statement in _statements(document)]


def _find_role(deployment: Deployment, role_arn: str) -> Resource:
    for role in deployment.of_type(_ROLE):
        if role_arn in (role.arn, role.physical_id):
            return role
    raise RoleNotFoundError(
        f"No AWS::IAM::Role in the deployment has the ARN {role_arn}: pass the ARN of a template role "
        "(the function's Role property), or synthesize again if the template changed."
    )


def _attached_policies(deployment: Deployment, role: Resource) -> Iterator[Resource]:
    """Policy resources that name the role in ``Roles`` or that the role names in ``ManagedPolicyArns``."""
    attached = {
        (policy.stack, policy.logical_id): policy
        for resource_type in _POLICY_TYPES
        for policy in deployment.of_type(resource_type)
        if role.physical_id in policy.properties.get("Roles", [])
    }
    # Ref of a managed policy is its ARN; whichever the provisioner recorded, both find it.
    managed_in_template = {
        policy_id: policy
        for policy in deployment.of_type(_MANAGED_POLICY)
        for policy_id in (policy.physical_id, policy.arn)
        if policy_id
    }
    for policy_arn in role.properties.get("ManagedPolicyArns", []):
        policy = managed_in_template.get(policy_arn)
        if policy is None:
            _warn_unreadable_policy(policy_arn, role)
            continue
        attached[(policy.stack, policy.logical_id)] = policy
    return iter(attached.values())


def _warn_unreadable_policy(policy_arn: str, role: Resource) -> None:
    where = "it is AWS managed" if _AWS_MANAGED_POLICY_ARN.match(policy_arn) else "it is not in the template"
    _managed_policy_warnings.warn(
        policy_arn,
        "local cloud IAM: managed policy %s (on role %s) cannot be read offline because %s; "
        "calls that only it would allow are denied",
        policy_arn,
        role.logical_id,
        where,
    )


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)
