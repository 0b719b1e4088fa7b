"""The one stack per AWS account that lets this repository's GitHub workflows deploy (docs/operations.md).

Deployed by hand once per account (`make deploy-access REPOSITORY=owner/name`), never by the pipeline
itself: the role that deploys must not be able to widen its own trust.
"""

from aws_cdk import App, CfnOutput, Environment, Stack
from constructs import Construct

from serverless_blocks import GitHubDeployAccess, GitHubDeployAccessProps

__all__ = ["DEPLOY_ACCESS_STACK_NAME", "DeployAccessStack", "add_deploy_access"]

DEPLOY_ACCESS_STACK_NAME = "Corkboard-DeployAccess"


class DeployAccessStack(Stack):
    """GitHub's OIDC provider and the pipeline's deploy and diff roles (outputs: their ARNs)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        environments: tuple[str, ...],
        existing_provider_arn: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)
        self.access = GitHubDeployAccess(
            self,
            "GitHub",
            props=GitHubDeployAccessProps(
                repository=repository,
                environments=environments,
                existing_provider_arn=existing_provider_arn,
            ),
        )
        CfnOutput(
            self,
            "DeployRoleArn",
            value=self.access.deploy_role.role_arn,
            description="GitHub variable AWS_DEPLOY_ROLE_ARN: main and the GitHub environments deploy",
        )
        if self.access.diff_role is not None:
            CfnOutput(
                self,
                "DiffRoleArn",
                value=self.access.diff_role.role_arn,
                description="GitHub variable AWS_DIFF_ROLE_ARN: pull requests run cdk diff with it",
            )


def add_deploy_access(app: App, env: Environment | None) -> DeployAccessStack | None:
    """Only `make deploy-access` names a repository; every other synth leaves the account-wide stack out."""
    repository = app.node.try_get_context("githubRepository")
    if not repository:
        return None
    return DeployAccessStack(
        app,
        DEPLOY_ACCESS_STACK_NAME,
        repository=repository,
        environments=tuple(sorted(app.node.try_get_context("environments") or {})),
        existing_provider_arn=app.node.try_get_context("githubOidcProviderArn"),
        env=env,
    )
