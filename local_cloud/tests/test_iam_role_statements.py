"""Collecting a template role's statements from every place a template attaches policies."""

import logging
from pathlib import Path
from typing import Any

import pytest
from fakes import records_of

from cdk_local_cloud.contracts.deployment import Deployment, Resource
from cdk_local_cloud.iam import RoleNotFoundError, role_statements

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_NAME = "App-HandlerRole-1A2B3C"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
CUSTOMER_POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/App-Shared-9Z8Y"
AWS_MANAGED_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole-role-statements-test"


def statement(action: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def resource(logical_id: str, resource_type: str, properties: dict[str, Any], physical_id: str) -> Resource:
    return Resource(
        stack="App",
        logical_id=logical_id,
        type=resource_type,
        properties=properties,
        physical_id=physical_id,
        attributes={"Arn": physical_id} if physical_id.startswith("arn:") else {},
    )


def deployment_of(*resources: Resource) -> Deployment:
    return Deployment(
        region=REGION,
        account_id=ACCOUNT,
        aws_endpoint_url="http://127.0.0.1:5000",
        cdk_out=Path("cdk.out"),
        resources=resources,
        outputs={},
        asset_paths={},
    )


def role(**properties: Any) -> Resource:
    return Resource(
        stack="App",
        logical_id="HandlerRole",
        type="AWS::IAM::Role",
        properties={"AssumeRolePolicyDocument": {}, **properties},
        physical_id=ROLE_NAME,
        attributes={"Arn": ROLE_ARN},
    )


def test_statements_come_from_inline_policies_policy_resources_and_customer_managed_policies() -> None:
    deployment = deployment_of(
        role(
            Policies=[
                {"PolicyName": "inline", "PolicyDocument": {"Statement": [statement("sqs:SendMessage")]}}
            ],
            ManagedPolicyArns=[CUSTOMER_POLICY_ARN],
        ),
        resource(
            "HandlerRoleDefaultPolicy",
            "AWS::IAM::Policy",
            {
                "PolicyName": "default",
                "Roles": [ROLE_NAME],
                "PolicyDocument": {
                    "Statement": [statement("dynamodb:GetItem"), statement("dynamodb:PutItem")]
                },
            },
            "App-Defau-XYZ",
        ),
        resource(
            "SharedPolicy",
            "AWS::IAM::ManagedPolicy",
            # Listed both ways: its statements still count once.
            {"Roles": [ROLE_NAME], "PolicyDocument": {"Statement": statement("s3:GetObject")}},
            CUSTOMER_POLICY_ARN,
        ),
        resource(
            "OtherPolicy",
            "AWS::IAM::Policy",
            {"Roles": ["SomeoneElse"], "PolicyDocument": {"Statement": [statement("iam:*")]}},
            "App-Other-XYZ",
        ),
    )

    actions = sorted(entry["Action"] for entry in role_statements(deployment, ROLE_ARN))

    assert actions == ["dynamodb:GetItem", "dynamodb:PutItem", "s3:GetObject", "sqs:SendMessage"]


def test_an_aws_managed_policy_grants_nothing_and_is_named_once_in_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deployment = deployment_of(role(ManagedPolicyArns=[AWS_MANAGED_ARN]))

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.iam"):
        first = role_statements(deployment, ROLE_ARN)
        second = role_statements(deployment, ROLE_ARN)

    assert first == second == []
    [warning] = records_of(caplog, "cdk_local_cloud.iam")
    assert AWS_MANAGED_ARN in warning.getMessage()
    assert "AWS managed" in warning.getMessage()


def test_a_role_that_the_deployment_does_not_hold_is_an_error_that_says_what_to_pass() -> None:
    with pytest.raises(RoleNotFoundError, match="pass the ARN of a template role"):
        role_statements(deployment_of(role()), f"arn:aws:iam::{ACCOUNT}:role/Missing")
