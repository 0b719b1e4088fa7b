"""The whole app passes cdk-nag (AwsSolutions + Serverless) and cfn-lint, and says why where it does not."""

import pytest

from tests.infra.cfn_lint_check import lint_template
from tests.infra.conftest import SynthesizedApp
from tests.infra.nag_check import acknowledgments, assert_acknowledgments_justified, assert_nag_clean


def test_app_has_no_unacknowledged_nag_findings(dev_app: SynthesizedApp) -> None:
    assert_nag_clean(dev_app.nag.findings)


def test_every_acknowledgment_gives_a_reason(dev_app: SynthesizedApp) -> None:
    assert acknowledgments(dev_app.app)
    assert_acknowledgments_justified(dev_app.app)


@pytest.mark.parametrize("stack_name", ["data", "api"])
def test_cfn_lint_finds_nothing(dev_app: SynthesizedApp, stack_name: str) -> None:
    problems = lint_template(dev_app.template(stack_name))
    assert problems == [], "\n".join(problems)
