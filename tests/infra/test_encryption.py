"""cdk.json `encryption`: prod has one customer-managed key that encrypts every table, secret, log group,
queue and topic, with a policy that admits only the services that need it; dev uses AWS-managed keys."""

import json
from typing import Any

import pytest

from tests.infra.conftest import SynthesizedApp

STACKS = ("data", "api", "realtime", "monitoring")
# Each stored or logged resource, and where its template names its key.
KEY_PROPERTY = {
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
}
# How many of each Corkboard has: 3 tables, the cursor secret, 7 function log groups and 2 API access logs,
# the 2 failure queues and the alarm topic.
EXPECTED_COUNTS = {
    "AWS::DynamoDB::Table": 3,
    "AWS::SecretsManager::Secret": 1,
    "AWS::Logs::LogGroup": 9,
    "AWS::SQS::Queue": 2,
    "AWS::SNS::Topic": 1,
}
# prod shards its fan-out (cdk.json shardedFanout): the sender's log group, the fan-out queue and its
# dead-letter queue.
PROD_EXTRA_COUNTS = {"AWS::Logs::LogGroup": 1, "AWS::SQS::Queue": 2}
VIA_SERVICES = {"dynamodb", "secretsmanager", "sqs"}


def resources(app: SynthesizedApp, resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        f"{stack}/{logical_id}": resource
        for stack in STACKS
        for logical_id, resource in app.template(stack)["Resources"].items()
        if resource["Type"] == resource_type
    }


@pytest.fixture(scope="module")
def prod_key(prod_app: SynthesizedApp) -> tuple[str, dict[str, Any]]:
    keys = resources(prod_app, "AWS::KMS::Key")
    assert list(keys) == [f"data/{next(iter(keys)).split('/')[1]}"], "one key, in the DataStack"
    ((path, key),) = keys.items()
    return path.split("/")[1], key


def _statements_for(key: dict[str, Any], principal_type: str) -> list[dict[str, Any]]:
    return [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if principal_type in statement["Principal"]
    ]


def test_prod_key_rotates_is_retained_and_has_its_alias(
    prod_app: SynthesizedApp, prod_key: tuple[str, dict[str, Any]]
) -> None:
    logical_id, key = prod_key
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    (alias,) = resources(prod_app, "AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == "alias/corkboard-prod"
    assert alias["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_prod_key_policy_admits_cloudwatch_logs_for_this_accounts_log_groups_only(
    prod_key: tuple[str, dict[str, Any]],
) -> None:
    _, key = prod_key
    services = [
        json.dumps(statement["Principal"]["Service"]) for statement in _statements_for(key, "Service")
    ]
    assert len(services) == 2, services
    (logs,) = [s for s in _statements_for(key, "Service") if "logs." in json.dumps(s["Principal"]["Service"])]
    context_arn = json.dumps(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert ":log-group:*" in context_arn
    assert "AWS::AccountId" in context_arn
    assert "kms:GenerateDataKey*" in logs["Action"]


def test_prod_key_policy_lets_cloudwatch_alarms_publish_to_the_encrypted_topic(
    prod_key: tuple[str, dict[str, Any]],
) -> None:
    _, key = prod_key
    (alarms,) = [
        s for s in _statements_for(key, "Service") if s["Principal"]["Service"] == "cloudwatch.amazonaws.com"
    ]
    assert sorted(alarms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_prod_key_policy_gives_the_account_only_its_default_and_secrets_manager_statements(
    prod_key: tuple[str, dict[str, Any]],
) -> None:
    _, key = prod_key
    account_statements = _statements_for(key, "AWS")
    # CDK's default (the account may delegate through IAM) and Secret's own statement for its key.
    assert len(account_statements) == 2
    (via_secrets,) = [s for s in account_statements if "Condition" in s]
    assert "secretsmanager." in json.dumps(via_secrets["Condition"]["StringEquals"]["kms:ViaService"])


@pytest.mark.parametrize("resource_type", KEY_PROPERTY)
def test_prod_encrypts_every_store_and_log_with_the_key(
    prod_app: SynthesizedApp, prod_key: tuple[str, dict[str, Any]], resource_type: str
) -> None:
    logical_id, _ = prod_key
    found = resources(prod_app, resource_type)
    assert len(found) == EXPECTED_COUNTS[resource_type] + PROD_EXTRA_COUNTS.get(resource_type, 0)
    for path, resource in found.items():
        value: Any = resource["Properties"]
        for part in KEY_PROPERTY[resource_type]:
            value = value[part]
        # In the DataStack a GetAtt of the key; elsewhere an import of the DataStack's export of it.
        assert logical_id in json.dumps(value), path


@pytest.mark.parametrize("resource_type", KEY_PROPERTY)
def test_dev_keeps_aws_managed_encryption(dev_app: SynthesizedApp, resource_type: str) -> None:
    assert resources(dev_app, "AWS::KMS::Key") == {}
    found = resources(dev_app, resource_type)
    assert len(found) == EXPECTED_COUNTS[resource_type]
    for path, resource in found.items():
        assert "KMSMasterKeyId" not in json.dumps(resource.get("Properties", {})), path
        assert "KmsKeyId" not in resource.get("Properties", {}), path
        assert "KmsMasterKeyId" not in resource.get("Properties", {}), path


def test_prod_function_roles_use_the_key_only_through_dynamodb_sqs_and_secrets_manager(
    prod_app: SynthesizedApp, prod_key: tuple[str, dict[str, Any]]
) -> None:
    logical_id, _ = prod_key
    policies = resources(prod_app, "AWS::IAM::Policy")
    via_service_grants = []
    for path, policy in policies.items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
            if via is None or logical_id not in json.dumps(statement["Resource"]):
                continue
            # Each is {"Fn::Join": ["", ["dynamodb.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}.
            services = {service["Fn::Join"][1][0].rstrip(".") for service in via}
            assert services == VIA_SERVICES, path
            assert sorted(statement["Action"]) == [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
            ]
            via_service_grants.append(path)
    # One grant for each of the eight Corkboard functions' roles of prod (the sender is the eighth).
    assert len(via_service_grants) == 8, via_service_grants
