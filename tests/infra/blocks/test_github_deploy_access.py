"""GitHubDeployAccess: roles trusted only for the named workflow runs, allowed only the bootstrap roles."""

import json

import pytest
from aws_cdk import Duration, Stack
from aws_cdk.assertions import Match

from serverless_blocks import (
    GITHUB_OIDC_URL,
    GitHubDeployAccess,
    GitHubDeployAccessProps,
    InvalidRepositoryError,
)
from serverless_blocks.testing import assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

REPOSITORY = "example-org/orders"
ISSUER = "token.actions.githubusercontent.com"
PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[GitHubDeployAccess]:
    def build(stack: Stack) -> GitHubDeployAccess:
        props = GitHubDeployAccessProps(repository=REPOSITORY, environments=("dev", "prod"))
        return GitHubDeployAccess(stack, "GitHub", props=props)

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[GitHubDeployAccess]:
    def build(stack: Stack) -> GitHubDeployAccess:
        props = GitHubDeployAccessProps(
            repository=REPOSITORY,
            branches=("release",),
            allow_pull_request_diff=False,
            existing_provider_arn=PROVIDER_ARN,
            cdk_qualifier="orders1",
            max_session_duration=Duration.hours(2),
            regions=("eu-west-1",),
        )
        return GitHubDeployAccess(stack, "GitHub", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def trust_subjects(synthesized: SynthesizedBlock[GitHubDeployAccess], role_id: str) -> object:
    role = synthesized.stack.resolve(getattr(synthesized.block, role_id).node.default_child.logical_id)
    statement = synthesized.template.to_json()["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]
    (only,) = statement["Statement"]
    return only


def test_the_provider_is_githubs_with_the_sts_audience(default: SynthesizedBlock[GitHubDeployAccess]) -> None:
    default.template.has_resource_properties(
        "AWS::IAM::OIDCProvider", {"Url": GITHUB_OIDC_URL, "ClientIdList": ["sts.amazonaws.com"]}
    )


def test_the_deploy_role_trusts_main_and_the_environments_only(
    default: SynthesizedBlock[GitHubDeployAccess],
) -> None:
    statement = trust_subjects(default, "deploy_role")

    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{ISSUER}:aud": "sts.amazonaws.com",
            f"{ISSUER}:sub": [
                f"repo:{REPOSITORY}:ref:refs/heads/main",
                f"repo:{REPOSITORY}:environment:dev",
                f"repo:{REPOSITORY}:environment:prod",
            ],
        }
    }


def test_pull_requests_get_the_diff_role_and_nothing_else(
    default: SynthesizedBlock[GitHubDeployAccess],
) -> None:
    statement = trust_subjects(default, "diff_role")

    assert statement["Condition"]["StringEquals"][f"{ISSUER}:sub"] == [f"repo:{REPOSITORY}:pull_request"]


def policy_resources(synthesized: SynthesizedBlock[GitHubDeployAccess], role_id: str) -> tuple[list, str]:
    role = getattr(synthesized.block, role_id)
    policy = synthesized.stack.resolve(role.node.find_child("DefaultPolicy").node.default_child.logical_id)
    document = synthesized.template.to_json()["Resources"][policy]["Properties"]["PolicyDocument"]
    (statement,) = document["Statement"]
    return statement["Action"], json.dumps(statement["Resource"])


def test_the_deploy_role_may_only_assume_the_bootstrap_roles(
    default: SynthesizedBlock[GitHubDeployAccess],
) -> None:
    actions, resources = policy_resources(default, "deploy_role")

    assert actions == ["sts:AssumeRole", "sts:TagSession"]
    for role in ("deploy-role", "file-publishing-role", "image-publishing-role", "lookup-role"):
        assert f"role/cdk-hnb659fds-{role}-" in resources
    assert resources.count("role/cdk-") == 4


def test_the_diff_role_may_only_assume_the_read_only_lookup_role(
    default: SynthesizedBlock[GitHubDeployAccess],
) -> None:
    _, resources = policy_resources(default, "diff_role")

    assert resources.count("role/cdk-") == 1
    assert "role/cdk-hnb659fds-lookup-role-" in resources


def test_sessions_last_an_hour_by_default(default: SynthesizedBlock[GitHubDeployAccess]) -> None:
    default.template.all_resources_properties(
        "AWS::IAM::Role", Match.object_like({"MaxSessionDuration": 3600})
    )


def test_every_default_can_be_overridden(overridden: SynthesizedBlock[GitHubDeployAccess]) -> None:
    overridden.template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    overridden.template.resource_count_is("AWS::IAM::Role", 1)
    statement = trust_subjects(overridden, "deploy_role")
    assert statement["Principal"] == {"Federated": PROVIDER_ARN}
    assert statement["Condition"]["StringEquals"][f"{ISSUER}:sub"] == [
        f"repo:{REPOSITORY}:ref:refs/heads/release"
    ]
    assert "role/cdk-orders1-deploy-role-" in policy_resources(overridden, "deploy_role")[1]
    assert policy_resources(overridden, "deploy_role")[1].count("-eu-west-1") == 4
    assert overridden.block.diff_role is None
    assert weakened_defaults(overridden.block) == {"max_session_duration"}


@pytest.mark.parametrize(
    "props",
    [
        {"repository": "example-org/*"},
        {"repository": "no-owner"},
        {"repository": REPOSITORY, "branches": ("*",)},
        {"repository": REPOSITORY, "environments": ("prod:x",)},
        {"repository": REPOSITORY, "branches": ()},
        {"repository": REPOSITORY, "regions": ("*",)},
    ],
)
def test_names_that_would_widen_or_void_the_trust_are_refused(props: dict) -> None:
    with pytest.raises(InvalidRepositoryError):
        GitHubDeployAccess(Stack(), "GitHub", props=GitHubDeployAccessProps(**props))


@pytest.mark.parametrize("variant", ["default", "overridden"])
def test_nag_and_lint_clean_alone(variant: str, request: pytest.FixtureRequest) -> None:
    synthesized: SynthesizedBlock[GitHubDeployAccess] = request.getfixturevalue(variant)

    assert_nag_clean(synthesized.nag_findings)
    assert_acknowledgments_justified(synthesized.stack)
    assert lint_template(synthesized.template.to_json()) == []
