"""skip_check: a checkov skip lands in the resource's Metadata with its reason, or not at all."""

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from serverless_blocks import MissingReasonError, NotAResourceError, skip_check

REASON = "SQS-managed SSE encrypts the queue; checkov recognises only KmsMasterKeyId."


def _queue_stack() -> tuple[Stack, sqs.Queue]:
    stack = Stack(App(), "Skips")
    return stack, sqs.Queue(stack, "Queue")


def _skips(stack: Stack, logical_prefix: str = "Queue") -> list[dict[str, str]]:
    resources = Template.from_stack(stack).to_json()["Resources"]
    (queue,) = (body for logical_id, body in resources.items() if logical_id.startswith(logical_prefix))
    return queue.get("Metadata", {}).get("checkov", {}).get("skip", [])


def test_skip_on_an_l2_construct_lands_on_its_resource_with_the_reason() -> None:
    stack, queue = _queue_stack()
    skip_check(queue, "CKV_AWS_27", REASON)
    assert _skips(stack) == [{"id": "CKV_AWS_27", "comment": REASON}]


def test_skips_accumulate_and_a_second_skip_of_one_check_replaces_its_reason() -> None:
    stack, queue = _queue_stack()
    skip_check(queue, "CKV_AWS_27", "first reason")
    skip_check(queue.node.default_child, "CKV_AWS_99", "another check, another reason")
    skip_check(queue, "CKV_AWS_27", REASON)
    assert _skips(stack) == [
        {"id": "CKV_AWS_99", "comment": "another check, another reason"},
        {"id": "CKV_AWS_27", "comment": REASON},
    ]


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_skip_without_a_reason_is_refused(reason: str) -> None:
    stack, queue = _queue_stack()
    with pytest.raises(MissingReasonError, match="CKV_AWS_27"):
        skip_check(queue, "CKV_AWS_27", reason)
    assert _skips(stack) == []


def test_a_construct_without_a_resource_is_refused_by_path() -> None:
    stack, _ = _queue_stack()
    with pytest.raises(NotAResourceError, match="Skips"):
        skip_check(stack, "CKV_AWS_27", REASON)
