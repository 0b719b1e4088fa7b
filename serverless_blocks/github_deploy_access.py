"""GitHub Actions deploys a CDK app with short-lived OIDC credentials: no access key is ever stored.

Two roles, each trusted for exactly the workflow runs that need it:
- ``deploy_role``: runs on the named branches and in the named GitHub environments (whose required
  reviewers gate prod). It may only assume the CDK bootstrap roles, so what a deployment can do is what
  the account's bootstrap allows, and nothing the workflow invents.
- ``diff_role``: runs for pull requests of the same repository (forks get no OIDC token). It may only assume
  the bootstrap lookup role, which reads: a pull request can show ``cdk diff`` but never deploy.

Example::

    access = GitHubDeployAccess(
        self,
        "GitHub",
        props=GitHubDeployAccessProps(repository="my-org/orders", environments=("dev", "prod")),
    )
    CfnOutput(self, "DeployRoleArn", value=access.deploy_role.role_arn)
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from serverless_blocks.compliance import warn_weakened_default

__all__ = [
    "GITHUB_OIDC_AUDIENCE",
    "GITHUB_OIDC_URL",
    "GitHubDeployAccess",
    "GitHubDeployAccessProps",
    "InvalidRepositoryError",
]

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
_TOKEN_ISSUER = GITHUB_OIDC_URL.removeprefix("https://")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_NAME = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")
# The roles `cdk bootstrap` creates; a deployment reaches the account only through them.
_BOOTSTRAP_DEPLOY_ROLES = ("deploy-role", "file-publishing-role", "image-publishing-role", "lookup-role")
_BOOTSTRAP_LOOKUP_ROLES = ("lookup-role",)


class InvalidRepositoryError(ValueError):
    """The repository, a branch or an environment name could widen the trust to other workflows."""


@dataclass(frozen=True, kw_only=True)
class GitHubDeployAccessProps:
    """``repository`` is ``owner/name``; everything else has the narrowest default that deploys."""

    repository: str
    branches: Sequence[str] = ("main",)
    environments: Sequence[str] = ()
    allow_pull_request_diff: bool = True
    # An account holds one provider per URL: pass its ARN when another stack already created it.
    existing_provider_arn: str | None = None
    cdk_qualifier: str = "hnb659fds"
    # The regions whose bootstrap roles it may assume; empty means the stack's own region.
    regions: Sequence[str] = ()
    max_session_duration: Duration = field(default_factory=lambda: Duration.hours(1))


class GitHubDeployAccess(Construct):
    """The OIDC provider (or the account's existing one) and the deploy and diff roles."""

    def __init__(self, scope: Construct, construct_id: str, *, props: GitHubDeployAccessProps) -> None:
        super().__init__(scope, construct_id)
        _check_names(props)
        self.provider: iam.IOidcProvider = (
            iam.OidcProviderNative.from_oidc_provider_arn(self, "Provider", props.existing_provider_arn)
            if props.existing_provider_arn
            else iam.OidcProviderNative(
                self, "Provider", url=GITHUB_OIDC_URL, client_ids=[GITHUB_OIDC_AUDIENCE]
            )
        )
        subjects = [f"repo:{props.repository}:ref:refs/heads/{branch}" for branch in props.branches]
        subjects += [f"repo:{props.repository}:environment:{name}" for name in props.environments]
        self.deploy_role = self._role("DeployRole", props, subjects, _BOOTSTRAP_DEPLOY_ROLES)
        self.diff_role: iam.Role | None = (
            self._role("DiffRole", props, [f"repo:{props.repository}:pull_request"], _BOOTSTRAP_LOOKUP_ROLES)
            if props.allow_pull_request_diff
            else None
        )
        if props.max_session_duration.to_seconds() > Duration.hours(1).to_seconds():
            warn_weakened_default(
                self, "max_session_duration", "a leaked workflow token stays usable for longer."
            )

    def _role(
        self,
        construct_id: str,
        props: GitHubDeployAccessProps,
        subjects: Sequence[str],
        bootstrap_roles: Sequence[str],
    ) -> iam.Role:
        role = iam.Role(
            self,
            construct_id,
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions={
                    "StringEquals": {
                        f"{_TOKEN_ISSUER}:aud": GITHUB_OIDC_AUDIENCE,
                        f"{_TOKEN_ISSUER}:sub": list(subjects),
                    }
                },
            ),
            max_session_duration=props.max_session_duration,
            description=f"GitHub Actions of {props.repository}: may only assume CDK bootstrap roles",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole", "sts:TagSession"],
                resources=[
                    f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-{props.cdk_qualifier}-{name}-"
                    f"{Aws.ACCOUNT_ID}-{region}"
                    for name in bootstrap_roles
                    for region in (props.regions or (Aws.REGION,))
                ],
            )
        )
        return role


def _check_names(props: GitHubDeployAccessProps) -> None:
    # A `*` or `:` in any part would let the StringEquals subject match nothing, or other workflows.
    if not _REPOSITORY.match(props.repository):
        raise InvalidRepositoryError(
            f"repository {props.repository!r} is not owner/name as GitHub spells it (no wildcards)."
        )
    for name in (*props.branches, *props.environments, *props.regions):
        if not _NAME.match(name):
            raise InvalidRepositoryError(
                f"branch or environment {name!r} must be a plain name, no wildcards."
            )
    if not props.branches and not props.environments:
        raise InvalidRepositoryError("name at least one branch or environment that may deploy.")
