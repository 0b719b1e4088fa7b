"""A wildcard grant is acknowledged for exactly its resource, whether the resource is in the role's stack
or in another one (reached by a weak or a strong cross-stack reference), and no other wildcard with it."""

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from serverless_blocks.testing import NagFinding, acknowledgments, synthesize_with_nag
from stacks.wildcard_grant_acknowledgment import acknowledge_wildcard_grant

_REASON = "Keys are generated per upload, so the statement can only name the prefix they share."
_REFERENCE_STRENGTH = "@aws-cdk/core:defaultCrossStackReferences"


def _role_findings(tmp_path: Path, *, same_stack: bool, strength: str) -> tuple[App, list[NagFinding]]:
    """Grant a role two wildcards on a bucket, acknowledge the first, and return the role's open findings."""
    app = App(outdir=str(tmp_path), context={_REFERENCE_STRENGTH: strength})
    producer = Stack(app, "Producer")
    consumer = producer if same_stack else Stack(app, "Consumer")
    bucket = s3.Bucket(producer, "Files")
    role = iam.Role(consumer, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    acknowledged, other = bucket.arn_for_objects("acknowledged/*"), bucket.arn_for_objects("other/*")
    for resource in (acknowledged, other):
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[resource]))
    acknowledge_wildcard_grant(role, acknowledged, _REASON)
    findings = synthesize_with_nag(app).findings
    return app, [finding for finding in findings if finding.resource_path.startswith(role.node.path)]


@pytest.mark.parametrize(
    ("same_stack", "strength"),
    [(True, "weak"), (False, "weak"), (False, "strong")],
    ids=["same-stack", "weak-reference", "strong-reference"],
)
def test_only_the_acknowledged_resource_is_accepted(same_stack: bool, strength: str, tmp_path: Path) -> None:
    app, findings = _role_findings(tmp_path, same_stack=same_stack, strength=strength)
    (remaining,) = findings
    assert remaining.rule_id.startswith("AwsSolutions-IAM5[Resource::")
    assert remaining.rule_id.endswith("/other/*]")
    (acknowledgment,) = (ack for ack in acknowledgments(app) if ack.reason == _REASON)
    assert acknowledgment.rule_id.endswith("/acknowledged/*]")
