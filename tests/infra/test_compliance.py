"""Every environment passes cdk-nag (AwsSolutions + Serverless) and cfn-lint, and says why where not."""

import pytest

from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.cfn_lint_check import lint_template
from tests.infra.conftest import SynthesizedApp

ENVIRONMENTS = ["dev_app", "prod_app"]
STACKS = ["data", "api", "realtime", "monitoring"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_app_has_no_unacknowledged_nag_findings(environment: str, request: pytest.FixtureRequest) -> None:
    synthesized: SynthesizedApp = request.getfixturevalue(environment)
    assert_nag_clean(synthesized.nag.findings)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_acknowledgment_gives_a_reason(environment: str, request: pytest.FixtureRequest) -> None:
    synthesized: SynthesizedApp = request.getfixturevalue(environment)
    assert acknowledgments(synthesized.app)
    assert_acknowledgments_justified(synthesized.app)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("stack_name", STACKS)
def test_cfn_lint_finds_nothing(environment: str, stack_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: SynthesizedApp = request.getfixturevalue(environment)
    problems = lint_template(synthesized.template(stack_name))
    assert problems == [], "\n".join(problems)
