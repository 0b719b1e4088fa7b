"""A customer-managed environment's key and alias deploy on the local cloud, and what it encrypts finds it."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from fakes import REGION

from cdk_local_cloud.assembly import CloudAssembly, StackArtifact, deploy_assembly

KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
TEMPLATE = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": "test key",
                "EnableKeyRotation": True,
                "KeyPolicy": KEY_POLICY,
                "Tags": [{"Key": "app", "Value": "corkboard"}],
            },
        },
        "KeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": "alias/corkboard-test",
                "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
            },
        },
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
        },
    }
}


@pytest.fixture
def kms_client(moto_endpoint: str) -> Any:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    return boto3.client(
        "kms",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_the_key_rotates_keeps_its_policy_and_its_alias_names_it(moto_endpoint: str, kms_client: Any) -> None:
    assembly = CloudAssembly(
        directory=Path("cdk.out"), stacks=(StackArtifact(name="Data", template=TEMPLATE),), asset_paths={}
    )
    deployment = deploy_assembly(assembly, endpoint_url=moto_endpoint, region=REGION)

    key = deployment.get("Data", "Key")
    assert kms_client.get_key_rotation_status(KeyId=key.physical_id)["KeyRotationEnabled"] is True
    policy = kms_client.get_key_policy(KeyId=key.physical_id, PolicyName="default")["Policy"]
    assert json.loads(policy) == KEY_POLICY
    (alias,) = [a for a in kms_client.list_aliases()["Aliases"] if a["AliasName"] == "alias/corkboard-test"]
    assert alias["TargetKeyId"] == key.physical_id
    queue = deployment.get("Data", "Queue")
    assert queue.properties["KmsMasterKeyId"] == key.arn
