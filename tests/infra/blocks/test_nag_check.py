"""The checkers themselves: a clean result from them only means something if they do find problems."""

import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from constructs import RootConstruct

from serverless_blocks import MissingReasonError, acknowledge_rule
from serverless_blocks.testing import (
    CdkNagNotInstalledError,
    NotAnAppError,
    acknowledgments,
    assert_acknowledgments_justified,
    assert_nag_clean,
    nag_findings,
)
from tests.infra.cfn_lint_check import lint_template

QUEUE_REASON = "This queue is a dead-letter queue itself, so it needs no dead-letter queue of its own."


@pytest.fixture(scope="module")
def queue_stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    stack = Stack(App(outdir=str(tmp_path_factory.mktemp("queue"))), "Queue")
    queue = sqs.Queue(stack, "Queue")
    acknowledge_rule(queue, "AwsSolutions-SQS3", QUEUE_REASON)
    return stack


def test_findings_name_rule_resource_and_severity_from_both_packs(queue_stack: Stack) -> None:
    found = {
        (finding.rule_id, finding.resource_path, finding.severity) for finding in nag_findings(queue_stack)
    }
    assert ("AwsSolutions-SQS4", "Queue/Queue/Resource", "error") in found
    assert ("Serverless-SQSRedrivePolicy", "Queue/Queue/Resource", "error") in found


def test_acknowledged_findings_are_left_out_and_read_back_with_their_reason(queue_stack: Stack) -> None:
    assert "AwsSolutions-SQS3" not in {finding.rule_id for finding in nag_findings(queue_stack)}
    assert [(ack.rule_id, ack.reason, ack.construct_path) for ack in acknowledgments(queue_stack)] == [
        ("AwsSolutions-SQS3", QUEUE_REASON, "Queue/Queue")
    ]


def test_assert_nag_clean_lists_each_finding(queue_stack: Stack) -> None:
    with pytest.raises(AssertionError, match=r"AwsSolutions-SQS4 at Queue/Queue/Resource: .*SSL"):
        assert_nag_clean(nag_findings(queue_stack))


def test_short_reasons_are_rejected() -> None:
    stack = Stack(App(), "Terse")
    acknowledge_rule(sqs.Queue(stack, "Queue"), "AwsSolutions-SQS3", "not needed")
    with pytest.raises(AssertionError, match="without a real reason"):
        assert_acknowledgments_justified(stack)


def test_empty_reasons_are_refused_when_acknowledging() -> None:
    with pytest.raises(MissingReasonError, match="AwsSolutions-SQS3"):
        acknowledge_rule(sqs.Queue(Stack(), "Queue"), "AwsSolutions-SQS3", "  ")


def test_a_stack_outside_an_app_is_refused() -> None:
    with pytest.raises(NotAnAppError, match=r"aws_cdk\.App"):
        nag_findings(Stack(RootConstruct(), "Orphan"))


def test_without_cdk_nag_the_helpers_say_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cdk_nag", None)  # what an import of an absent package finds
    stack = Stack(App(), "WithoutNag")
    sqs.Queue(stack, "Queue")

    with pytest.raises(CdkNagNotInstalledError, match=r"serverless-blocks\[testing\]"):
        nag_findings(stack)


def test_lint_reports_invalid_properties(tmp_path: Path) -> None:
    template = tmp_path / "template.json"
    template.write_text(
        '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}}}'
    )
    assert [line.split()[0] for line in lint_template(template)] == ["E3012"]
