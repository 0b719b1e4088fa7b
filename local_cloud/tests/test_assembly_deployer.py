"""The deployer on hand-written templates: order, conditions, cross-stack values, unsupported types."""

import json
import logging
import re
import string
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.assembly import (
    BadTemplateError,
    CloudAssembly,
    ProvisioningError,
    ResourceChangedError,
    StackArtifact,
    UnresolvableReferenceError,
    deploy_assembly,
)
from cdk_local_cloud.assembly.provisioners.secretsmanager import generate_secret_string
from cdk_local_cloud.contracts.deployment import Deployment, Resource


@pytest.fixture(autouse=True)
def empty_moto(moto_endpoint: str) -> str:
    """Each test deploys onto an empty moto, as the local cloud does at start-up."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    return moto_endpoint


def _deploy(
    endpoint: str,
    *stacks: tuple[str, dict[str, Any]],
    region: str = REGION,
    previous: tuple[Resource, ...] = (),
) -> Deployment:
    assembly = CloudAssembly(
        directory=Path("cdk.out"),
        stacks=tuple(StackArtifact(name=name, template=template) for name, template in stacks),
        asset_paths={},
    )
    return deploy_assembly(assembly, endpoint_url=endpoint, region=region, previous=previous)


def _client(endpoint: str, service: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _queue(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": properties}


def test_resources_are_created_after_what_they_refer_to(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Work": _queue(
                RedrivePolicy={"deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]}, "maxReceiveCount": 3}
            ),
            "Dead": _queue(QueueName="dead-letters", MessageRetentionPeriod=1209600),
        }
    }

    deployment = _deploy(empty_moto, ("Shop", template))

    work = deployment.get("Shop", "Work")
    attributes = _client(empty_moto, "sqs").get_queue_attributes(
        QueueUrl=work.physical_id, AttributeNames=["All"]
    )
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive == {
        "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:dead-letters",
        "maxReceiveCount": 3,
    }
    assert work.properties["RedrivePolicy"]["deadLetterTargetArn"] == deployment.get("Shop", "Dead").arn


def test_a_resource_whose_condition_is_false_is_neither_created_nor_recorded(empty_moto: str) -> None:
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {
            "ProdQueue": {**_queue(QueueName="prod-only"), "Condition": "IsProd"},
            "Queue": _queue(
                QueueName="always",
                DelaySeconds={"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]},
            ),
        },
        "Outputs": {
            "ProdUrl": {"Value": {"Ref": "ProdQueue"}, "Condition": "IsProd"},
            "Url": {"Value": {"Ref": "Queue"}},
        },
    }

    deployment = _deploy(empty_moto, ("Shop", template))

    assert [resource.logical_id for resource in deployment.resources] == ["Queue"]
    assert "DelaySeconds" not in deployment.get("Shop", "Queue").properties
    assert list(deployment.outputs["Shop"]) == ["Url"]
    queue_urls = _client(empty_moto, "sqs").list_queues().get("QueueUrls", [])
    assert [url.rsplit("/", 1)[-1] for url in queue_urls] == ["always"]


def test_cross_stack_values_come_from_exports_and_stack_outputs(empty_moto: str) -> None:
    producer = {
        "Resources": {"Queue": _queue(QueueName="orders")},
        "Outputs": {
            "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": "Producer:QueueArn"}},
            "QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}},
        },
    }
    consumer = {
        "Resources": {"Dead": _queue(QueueName="dead")},
        "Outputs": {
            "Imported": {"Value": {"Fn::ImportValue": "Producer:QueueArn"}},
            "Weak": {
                "Value": {
                    "Fn::GetStackOutput": {
                        "StackName": "Producer",
                        "OutputName": "QueueName",
                        "Region": {"Ref": "AWS::Region"},
                    }
                }
            },
        },
    }

    deployment = _deploy(empty_moto, ("Producer", producer), ("Consumer", consumer))

    assert deployment.outputs["Consumer"] == {
        "Imported": f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:orders",
        "Weak": "orders",
    }


def test_an_ssm_typed_parameter_reads_moto_s_ssm_else_names_what_it_stands_for(empty_moto: str) -> None:
    parameters_stack = {
        "Resources": {
            "Flag": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "/shop/flag", "Type": "String", "Value": "on"},
            }
        }
    }
    reader = {
        "Parameters": {
            "Flag": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/shop/flag"},
            "Layer": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/aws/service/not/offline"},
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/x/version",
            },
        },
        "Resources": {"Queue": _queue(QueueName="reader")},
        "Outputs": {"Flag": {"Value": {"Ref": "Flag"}}, "Layer": {"Value": {"Ref": "Layer"}}},
    }

    deployment = _deploy(empty_moto, ("Parameters", parameters_stack), ("Reader", reader))

    assert deployment.outputs["Reader"] == {
        "Flag": "on",
        "Layer": "unresolved-ssm-parameter:/aws/service/not/offline",
    }
    assert deployment.get("Parameters", "Flag").physical_id == "/shop/flag"


def test_unsupported_types_get_one_warning_per_type_and_still_resolve(
    empty_moto: str, caplog: pytest.LogCaptureFixture
) -> None:
    alarm = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"AlarmName": {"Fn::Sub": "${AWS::StackName}-errors"}},
    }
    template = {
        "Resources": {
            "FirstAlarm": alarm,
            "SecondAlarm": alarm,
            "Acl": {
                "Type": "AWS::WAFv2::WebACL",
                "Properties": {"Rules": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}},
            },
            "Metadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2"}},
        },
        "Outputs": {
            "AlarmArn": {"Value": {"Fn::GetAtt": ["FirstAlarm", "Arn"]}},
            "AclCapacity": {"Value": {"Fn::GetAtt": ["Acl", "Capacity"]}},
        },
    }

    with caplog.at_level(logging.WARNING, logger="cdk_local_cloud.assembly"):
        deployment = _deploy(empty_moto, ("Ops", template), ("MoreOps", {"Resources": {"Third": alarm}}))

    # Only the deployer's records: the worker's shared moto server may log a request of another test's thread.
    deployer_records = [
        record for record in caplog.records if record.name.startswith("cdk_local_cloud.assembly")
    ]
    assert [record.getMessage() for record in deployer_records] == [
        "local cloud: 3 AWS::CloudWatch::Alarm resources are not emulated; ignored",
        "local cloud: 1 AWS::WAFv2::WebACL resource is not emulated; ignored",
    ]
    first = deployment.get("Ops", "FirstAlarm")
    assert first.properties == {"AlarmName": "Ops-errors"}
    assert first.physical_id.startswith("Ops-FirstAlarm-")
    assert (
        deployment.outputs["Ops"]["AlarmArn"]
        == f"arn:aws:cloudwatch:{REGION}:{FAKE_ACCOUNT_ID}:alarm/{first.physical_id}"
    )
    acl = deployment.get("Ops", "Acl")
    assert acl.properties == {}
    assert deployment.outputs["Ops"]["AclCapacity"] == f"{acl.physical_id}.Capacity"
    assert not list(deployment.of_type("AWS::CDK::Metadata"))


def test_custom_resources_are_recorded_with_their_resolved_properties(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "uploads"}},
            "Notifications": {
                "Type": "Custom::S3BucketNotifications",
                "Properties": {
                    "BucketName": {"Ref": "Bucket"},
                    "NotificationConfiguration": {
                        "QueueConfigurations": [
                            {"Events": ["s3:ObjectCreated:*"], "QueueArn": {"Fn::GetAtt": ["Queue", "Arn"]}}
                        ]
                    },
                },
            },
            "Queue": _queue(QueueName="uploaded"),
        },
        "Outputs": {"Anything": {"Value": {"Fn::GetAtt": ["Notifications", "Whatever"]}}},
    }

    deployment = _deploy(empty_moto, ("Files", template))

    notifications = deployment.get("Files", "Notifications")
    assert notifications.properties == {
        "BucketName": "uploads",
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Events": ["s3:ObjectCreated:*"],
                    "QueueArn": f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:uploaded",
                }
            ]
        },
    }
    assert deployment.outputs["Files"]["Anything"] == f"{notifications.physical_id}.Whatever"


def test_api_ids_and_function_names_follow_aws_formats_and_repeat_across_runs(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "shop"}},
            "Socket": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
            "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "app.handler"}},
            "Named": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "named-fn"}},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"FunctionName": {"Ref": "Handler"}},
            },
            "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"LayerName": "libs"}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/shop/handler"}},
        }
    }

    first = _deploy(empty_moto, ("Shop", template))
    requests.post(f"{empty_moto}/moto-api/reset", timeout=10).raise_for_status()
    second = _deploy(empty_moto, ("Shop", template))

    assert [resource.physical_id for resource in first.resources] == [
        resource.physical_id for resource in second.resources
    ]
    api, socket = first.get("Shop", "Api"), first.get("Shop", "Socket")
    assert re.fullmatch(r"[a-z0-9]{10}", api.physical_id)
    assert re.fullmatch(r"[a-z0-9]{10}", api.attributes["RootResourceId"])
    assert api.attributes["RootResourceId"] != api.physical_id
    assert (
        socket.attributes["ApiEndpoint"] == f"wss://{socket.physical_id}.execute-api.{REGION}.amazonaws.com"
    )
    assert first.get("Shop", "Handler").physical_id == "Shop-Handler"
    assert (
        first.get("Shop", "Handler").arn == f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:function:Shop-Handler"
    )
    assert first.get("Shop", "Named").physical_id == "named-fn"
    assert re.fullmatch(
        r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", first.get("Shop", "Mapping").physical_id
    )
    assert first.get("Shop", "Layer").physical_id == f"arn:aws:lambda:{REGION}:{FAKE_ACCOUNT_ID}:layer:libs:1"
    assert (
        first.get("Shop", "Logs").arn == f"arn:aws:logs:{REGION}:{FAKE_ACCOUNT_ID}:log-group:/shop/handler:*"
    )


def test_a_bucket_outside_us_east_1_is_created_in_the_deployment_s_region(empty_moto: str) -> None:
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}

    deployment = _deploy(empty_moto, ("Files", template), region="eu-west-1")

    name = deployment.get("Files", "Bucket").physical_id
    assert name == name.lower()
    assert name.startswith("files-bucket-")
    location = _client(empty_moto, "s3", region="eu-west-1").get_bucket_location(Bucket=name)
    assert location["LocationConstraint"] == "eu-west-1"


def test_a_tls_only_bucket_policy_does_not_lock_out_the_local_cloud_s_plain_http(empty_moto: str) -> None:
    tls_only = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::uploads", "arn:aws:s3:::uploads/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "uploads"}},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [tls_only]},
                },
            },
        }
    }

    deployment = _deploy(empty_moto, ("Files", template))

    s3 = _client(empty_moto, "s3")
    s3.put_object(Bucket="uploads", Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket="uploads", Key="a.txt")["Body"].read() == b"hello"
    assert deployment.get("Files", "Policy").properties["PolicyDocument"]["Statement"] == [tls_only]


def test_a_global_table_becomes_one_table_in_the_region(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Global": {
                "Type": "AWS::DynamoDB::GlobalTable",
                "Properties": {
                    "TableName": "global",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "Replicas": [{"Region": REGION}, {"Region": "us-west-2"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            }
        }
    }

    deployment = _deploy(empty_moto, ("Data", template))

    table = _client(empty_moto, "dynamodb").describe_table(TableName="global")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert deployment.get("Data", "Global").attributes["StreamArn"] == table["LatestStreamArn"]


def test_template_scalars_are_coerced_and_template_only_shapes_left_out(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "provisioned",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "ProvisionedThroughput": {"ReadCapacityUnits": "5", "WriteCapacityUnits": "2"},
                    "DeletionProtectionEnabled": "false",
                    "ResourcePolicy": {"PolicyDocument": {"Version": "2012-10-17", "Statement": []}},
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                },
            }
        }
    }

    _deploy(empty_moto, ("Data", template))

    table = _client(empty_moto, "dynamodb").describe_table(TableName="provisioned")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 2
    assert table["DeletionProtectionEnabled"] is False


def test_roles_get_their_inline_and_managed_policies_on_moto(empty_moto: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    }
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                    "Policies": [{"PolicyName": "inline", "PolicyDocument": document}],
                },
            },
            "Managed": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": document, "Roles": [{"Ref": "Role"}]},
            },
        }
    }

    deployment = _deploy(empty_moto, ("Auth", template))

    role = deployment.get("Auth", "Role")
    iam = _client(empty_moto, "iam")
    assert iam.get_role_policy(RoleName=role.physical_id, PolicyName="inline")["PolicyDocument"] == document
    attached = iam.list_attached_role_policies(RoleName=role.physical_id)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [deployment.get("Auth", "Managed").physical_id]
    assert role.arn == f"arn:aws:iam::{FAKE_ACCOUNT_ID}:role/{role.physical_id}"


def test_only_sqs_subscriptions_reach_moto(empty_moto: str) -> None:
    template = {
        "Resources": {
            "Inbox": _queue(QueueName="inbox"),
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "TopicName": "alerts",
                    "Subscription": [
                        {"Protocol": "email", "Endpoint": "oncall@example.com"},
                        {"Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Inbox", "Arn"]}},
                    ],
                },
            },
            "Lambda": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {"TopicArn": {"Ref": "Topic"}, "Protocol": "lambda", "Endpoint": "arn:fn"},
            },
        }
    }

    deployment = _deploy(empty_moto, ("Ops", template))

    topic_arn = deployment.get("Ops", "Topic").physical_id
    subscriptions = _client(empty_moto, "sns").list_subscriptions_by_topic(TopicArn=topic_arn)[
        "Subscriptions"
    ]
    assert [(item["Protocol"], item["Endpoint"]) for item in subscriptions] == [
        ("sqs", deployment.get("Ops", "Inbox").arn)
    ]
    assert deployment.get("Ops", "Lambda").physical_id.startswith(f"{topic_arn}:")


def test_moto_refusing_a_resource_names_the_resource(empty_moto: str) -> None:
    missing_queue = f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:nowhere"
    template = {
        "Resources": {
            "Work": _queue(RedrivePolicy={"deadLetterTargetArn": missing_queue, "maxReceiveCount": 1})
        }
    }

    with pytest.raises(
        ProvisioningError,
        match=r"^Stack Shop, resource Work \(AWS::SQS::Queue\) cannot be created on the embedded AWS: .*nowh",
    ):
        _deploy(empty_moto, ("Shop", template))


def test_a_missing_required_property_is_a_bad_template(empty_moto: str) -> None:
    template = {
        "Resources": {"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": "abc"}}}
    }

    with pytest.raises(
        BadTemplateError, match=r"Stack Api, resource Stage \(AWS::ApiGateway::Stage\) lacks.*StageName"
    ):
        _deploy(empty_moto, ("Api", template))


def test_a_reference_to_nothing_stops_the_deployment(empty_moto: str) -> None:
    template = {"Resources": {"Work": _queue(QueueName={"Ref": "Nothing"})}}

    with pytest.raises(UnresolvableReferenceError, match=r"^Stack Shop, resource Work: .*Nothing"):
        _deploy(empty_moto, ("Shop", template))


@pytest.mark.parametrize(
    ("specification", "allowed"),
    [
        ({}, set(string.ascii_letters + string.digits + string.punctuation)),
        ({"PasswordLength": 48, "ExcludePunctuation": True}, set(string.ascii_letters + string.digits)),
        (
            {"ExcludeCharacters": "abcXYZ012", "ExcludeUppercase": "true"},
            set(string.ascii_lowercase + string.digits + string.punctuation) - set("abc012"),
        ),
        (
            {"ExcludeLowercase": True, "ExcludeUppercase": True, "ExcludePunctuation": True},
            set(string.digits),
        ),
    ],
)
def test_a_generated_secret_honours_length_and_exclusions(
    specification: dict[str, Any], allowed: set[str]
) -> None:
    secret = generate_secret_string(specification)

    assert len(secret) == specification.get("PasswordLength", 32)
    assert set(secret) <= allowed
    assert generate_secret_string(specification) != secret


def test_a_generated_secret_has_each_included_kind_of_character() -> None:
    kinds = (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation)

    secrets = [generate_secret_string({"PasswordLength": 4}) for _ in range(20)]

    assert all(set(secret) & set(kind) for secret in secrets for kind in kinds)


def test_a_generated_secret_fills_the_template_s_key() -> None:
    secret = json.loads(
        generate_secret_string(
            {
                "SecretStringTemplate": '{"username": "admin"}',
                "GenerateStringKey": "password",
                "PasswordLength": 20,
            }
        )
    )

    assert secret["username"] == "admin"
    assert len(secret["password"]) == 20


def test_a_secret_that_excludes_every_character_is_refused() -> None:
    everything = {
        flag: True
        for flag in ("ExcludeLowercase", "ExcludeUppercase", "ExcludeNumbers", "ExcludePunctuation")
    }

    with pytest.raises(ProvisioningError, match="excludes every character"):
        generate_secret_string(everything)


def _key_and_logs(description: str, retention_days: int) -> dict[str, Any]:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": description}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": retention_days}},
        }
    }


def test_a_deployment_over_the_previous_one_takes_unchanged_resources_as_they_were(empty_moto: str) -> None:
    """What a restart from saved state does: moto already holds the first deployment's resources."""
    first = _deploy(empty_moto, ("Shop", _key_and_logs("orders", 7)))
    changed = _key_and_logs("orders", 14)
    changed["Resources"]["Extra"] = _queue(QueueName="extra")

    again = _deploy(empty_moto, ("Shop", changed), previous=first.resources)

    assert again.get("Shop", "Key") == first.get("Shop", "Key")
    assert len(_client(empty_moto, "kms").list_keys()["Keys"]) == 1, "the key is not created twice"
    assert again.get("Shop", "Logs").properties["RetentionInDays"] == 14, (
        "a modelled resource is modelled anew"
    )
    assert again.get("Shop", "Extra").physical_id.endswith("/extra"), "a new resource is created"


def test_a_changed_resource_that_lives_on_moto_is_refused_by_name(empty_moto: str) -> None:
    first = _deploy(empty_moto, ("Shop", _key_and_logs("orders", 7)))

    with pytest.raises(ResourceChangedError, match=r"Stack Shop, resource Key \(AWS::KMS::Key\) changed"):
        _deploy(empty_moto, ("Shop", _key_and_logs("payments", 7)), previous=first.resources)
    assert len(_client(empty_moto, "kms").list_keys()["Keys"]) == 1
