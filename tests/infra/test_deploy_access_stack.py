"""Corkboard-DeployAccess: the account-wide stack `make deploy-access` creates for the GitHub pipeline."""

import json

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from serverless_blocks.testing import assert_nag_clean, synthesize_with_nag
from stacks.deploy_access_stack import DEPLOY_ACCESS_STACK_NAME, DeployAccessStack, add_deploy_access
from tests.infra.cfn_lint_check import lint_template


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[DeployAccessStack, Template, tuple]:
    app = App(outdir=str(tmp_path_factory.mktemp("deploy-access")))
    stack = DeployAccessStack(
        app, DEPLOY_ACCESS_STACK_NAME, repository="example-org/corkboard", environments=("dev", "prod")
    )
    report = synthesize_with_nag(app)
    return stack, Template.from_json(report.template(stack)), report.findings


def test_outputs_name_the_github_variables_to_set(
    synthesized: tuple[DeployAccessStack, Template, tuple],
) -> None:
    _, template, _ = synthesized
    outputs = template.to_json()["Outputs"]

    assert "AWS_DEPLOY_ROLE_ARN" in outputs["DeployRoleArn"]["Description"]
    assert "AWS_DIFF_ROLE_ARN" in outputs["DiffRoleArn"]["Description"]


def test_the_stack_cannot_be_deleted_by_accident(
    synthesized: tuple[DeployAccessStack, Template, tuple],
) -> None:
    stack, _, _ = synthesized

    assert stack.termination_protection


def test_nag_and_lint_clean(synthesized: tuple[DeployAccessStack, Template, tuple]) -> None:
    _, template, findings = synthesized

    assert_nag_clean(findings)
    assert lint_template(template.to_json()) == []


def test_the_app_adds_the_stack_only_when_a_repository_is_named() -> None:
    environments = {"dev": {}, "prod": {}}

    assert add_deploy_access(App(context={"environments": environments}), None) is None
    named = App(context={"environments": environments, "githubRepository": "example-org/corkboard"})
    stack = add_deploy_access(named, None)
    assert stack is not None
    assert stack.stack_name == DEPLOY_ACCESS_STACK_NAME
    subjects = json.dumps(stack.resolve(stack.access.deploy_role.assume_role_policy.to_json()))
    assert "repo:example-org/corkboard:environment:dev" in subjects
    assert "repo:example-org/corkboard:environment:prod" in subjects
