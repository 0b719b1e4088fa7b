"""A tiny two-stack CDK app, synthesized here, deployed on moto: its resources have the template's properties.

The app is this module's own (no Corkboard templates): a table with a GSI, stream and TTL, a bucket, a
user pool with a client and a group, queues, a secret, a function with its role and policy, a REST API,
cross-stack references of both strengths (Fn::ImportValue and Fn::GetStackOutput) and two alarms, which
the local cloud does not emulate.
"""

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
import requests
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.assembly import deploy
from cdk_local_cloud.contracts.deployment import Deployment, Resource

PASSWORD = "Correct-horse-battery-42"
EXCLUDED_SECRET_CHARACTERS = "abc"


@dataclass(frozen=True)
class DeployedApp:
    deployment: Deployment
    endpoint: str
    warnings: list[str]

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def resource(self, stack: str, path_prefix: str, resource_type: str) -> Resource:
        """The one resource of ``resource_type`` in ``stack`` whose logical id starts with ``path_prefix``."""
        (match,) = (
            resource
            for resource in self.deployment.of_type(resource_type)
            if resource.stack == stack and resource.logical_id.startswith(path_prefix)
        )
        return match


def _synthesize(outdir: Path, code: Path) -> None:
    app = cdk.App(outdir=str(outdir))
    data = cdk.Stack(app, "Data")
    table = dynamodb.Table(
        data,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        time_to_live_attribute="expiresAt",
    )
    table.add_global_secondary_index(
        index_name="byOwner",
        partition_key=dynamodb.Attribute(name="owner", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="created", type=dynamodb.AttributeType.NUMBER),
    )
    s3.Bucket(
        data,
        "Bucket",
        versioned=True,
        cors=[
            s3.CorsRule(
                allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.PUT],
                allowed_origins=["http://localhost:5173"],
                exposed_headers=["ETag"],
                max_age=600,
            )
        ],
        lifecycle_rules=[s3.LifecycleRule(prefix="tmp/", expiration=cdk.Duration.days(7))],
    )
    users = cognito.UserPool(
        data,
        "Users",
        self_sign_up_enabled=True,
        sign_in_aliases=cognito.SignInAliases(email=True),
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        password_policy=cognito.PasswordPolicy(min_length=12, require_symbols=False),
    )
    client = users.add_client("Client", auth_flows=cognito.AuthFlow(user_password=True))
    cognito.CfnUserPoolGroup(data, "Admins", user_pool_id=users.user_pool_id, group_name="admins")
    dead_letters = sqs.Queue(data, "DeadLetters")
    jobs = sqs.Queue(
        data,
        "Jobs",
        visibility_timeout=cdk.Duration.seconds(45),
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=4, queue=dead_letters),
    )
    cdk.CrossStackReferences.of(jobs).produce(cdk.ReferenceStrength.WEAK)
    secret = secretsmanager.Secret(
        data,
        "SigningKey",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            password_length=40, exclude_punctuation=True, exclude_characters=EXCLUDED_SECRET_CHARACTERS
        ),
    )
    cdk.CfnOutput(data, "UserPoolClientId", value=client.user_pool_client_id)

    service = cdk.Stack(app, "Service")
    handler = lambda_.Function(
        service,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
        environment={
            "TABLE_NAME": table.table_name,
            "QUEUE_URL": jobs.queue_url,
            "SECRET_ARN": secret.secret_arn,
        },
    )
    table.grant_read_write_data(handler)
    handler.add_event_source(
        event_sources.DynamoEventSource(
            table, starting_position=lambda_.StartingPosition.LATEST, batch_size=10
        )
    )
    api = apigateway.LambdaRestApi(service, "Api", handler=handler, proxy=False, cloud_watch_role=False)
    api.root.add_resource("items").add_method("GET")
    cloudwatch.Alarm(service, "Errors", metric=handler.metric_errors(), threshold=1, evaluation_periods=1)
    cloudwatch.Alarm(
        service, "Throttles", metric=handler.metric_throttles(), threshold=1, evaluation_periods=1
    )
    cdk.CfnOutput(service, "TableName", value=table.table_name)
    cdk.CfnOutput(service, "QueueUrl", value=jobs.queue_url)
    cdk.CfnOutput(service, "FunctionName", value=handler.function_name)
    app.synth()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> DeployedApp:
    root = tmp_path_factory.mktemp("cdk_app")
    (root / "code").mkdir()
    (root / "code" / "index.py").write_text("def handler(event, context):\n    return event\n")
    _synthesize(root / "cdk.out", root / "code")
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    warnings = _Lines()
    logger = logging.getLogger("cdk_local_cloud.assembly")
    logger.addHandler(warnings)
    try:
        deployment = deploy(root / "cdk.out", endpoint_url=moto_endpoint, region=REGION)
    finally:
        logger.removeHandler(warnings)
    return DeployedApp(deployment=deployment, endpoint=moto_endpoint, warnings=warnings.lines)


def test_the_table_has_the_template_s_keys_index_stream_and_ttl(app: DeployedApp) -> None:
    resource = app.resource("Data", "Table", "AWS::DynamoDB::Table")
    dynamodb_client = app.client("dynamodb")

    table = dynamodb_client.describe_table(TableName=resource.physical_id)["Table"]

    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "byOwner"
    assert index["KeySchema"] == [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"},
    ]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert resource.attributes == {"Arn": table["TableArn"], "StreamArn": table["LatestStreamArn"]}
    ttl = dynamodb_client.describe_time_to_live(TableName=resource.physical_id)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}


def test_the_bucket_has_the_template_s_versioning_cors_and_lifecycle(app: DeployedApp) -> None:
    bucket = app.resource("Data", "Bucket", "AWS::S3::Bucket").physical_id
    s3_client = app.client("s3")

    assert bucket == bucket.lower()
    assert s3_client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (cors,) = s3_client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors["AllowedOrigins"] == ["http://localhost:5173"]
    assert sorted(cors["AllowedMethods"]) == ["GET", "PUT"]
    assert cors["ExposeHeaders"] == ["ETag"]
    assert cors["MaxAgeSeconds"] == 600
    (rule,) = s3_client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Filter"] == {"Prefix": "tmp/"}
    assert rule["Expiration"] == {"Days": 7}


def test_the_user_pool_client_gives_tokens_and_the_group_exists(app: DeployedApp) -> None:
    pool_id = app.resource("Data", "Users", "AWS::Cognito::UserPool").physical_id
    client_id = app.resource("Data", "UsersClient", "AWS::Cognito::UserPoolClient").physical_id
    cognito_client = app.client("cognito-idp")

    pool = cognito_client.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameAttributes"] == ["email"]
    assert [group["GroupName"] for group in cognito_client.list_groups(UserPoolId=pool_id)["Groups"]] == [
        "admins"
    ]
    cognito_client.sign_up(ClientId=client_id, Username="ada@example.com", Password=PASSWORD)
    cognito_client.admin_confirm_sign_up(UserPoolId=pool_id, Username="ada@example.com")
    tokens = cognito_client.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert tokens["IdToken"].count(".") == 2
    assert app.deployment.outputs["Data"]["UserPoolClientId"] == client_id


def test_the_queue_has_its_visibility_timeout_and_redrive_policy(app: DeployedApp) -> None:
    jobs = app.resource("Data", "Jobs", "AWS::SQS::Queue")
    dead_letters = app.resource("Data", "DeadLetters", "AWS::SQS::Queue")

    attributes = app.client("sqs").get_queue_attributes(QueueUrl=jobs.physical_id, AttributeNames=["All"])[
        "Attributes"
    ]

    assert attributes["VisibilityTimeout"] == "45"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters.arn,
        "maxReceiveCount": 4,
    }


def test_the_secret_is_generated_as_the_template_asks(app: DeployedApp) -> None:
    secret = app.resource("Data", "SigningKey", "AWS::SecretsManager::Secret")

    value = app.client("secretsmanager").get_secret_value(SecretId=secret.physical_id)["SecretString"]

    assert secret.physical_id.startswith(f"arn:aws:secretsmanager:{REGION}:{FAKE_ACCOUNT_ID}:secret:")
    assert len(value) == 40
    assert value.isalnum()
    assert not set(value) & set(EXCLUDED_SECRET_CHARACTERS)


def test_the_function_gets_resolved_environment_role_and_code(app: DeployedApp) -> None:
    function = app.resource("Service", "Handler", "AWS::Lambda::Function")
    role = app.resource("Service", "HandlerServiceRole", "AWS::IAM::Role")
    properties = function.properties

    assert function.physical_id == f"Service-{function.logical_id}"
    assert properties["Role"] == role.arn
    assert properties["Environment"]["Variables"] == {
        "TABLE_NAME": app.resource("Data", "Table", "AWS::DynamoDB::Table").physical_id,
        "QUEUE_URL": app.resource("Data", "Jobs", "AWS::SQS::Queue").physical_id,
        "SECRET_ARN": app.resource("Data", "SigningKey", "AWS::SecretsManager::Secret").physical_id,
    }
    code = app.deployment.asset_path(properties["Code"]["S3Key"])
    assert (code / "index.py").read_text().startswith("def handler")


def test_the_role_and_its_policy_exist_on_moto_with_resolved_resources(app: DeployedApp) -> None:
    role = app.resource("Service", "HandlerServiceRole", "AWS::IAM::Role")
    policy = app.resource("Service", "HandlerServiceRoleDefaultPolicy", "AWS::IAM::Policy")
    table = app.resource("Data", "Table", "AWS::DynamoDB::Table")
    iam = app.client("iam")

    assert iam.get_role(RoleName=role.physical_id)["Role"]["Arn"] == role.arn
    document = iam.get_role_policy(RoleName=role.physical_id, PolicyName=policy.properties["PolicyName"])[
        "PolicyDocument"
    ]
    resources = [statement["Resource"] for statement in document["Statement"]]
    assert [table.arn, f"{table.arn}/index/*"] in resources
    assert policy.properties["Roles"] == [role.physical_id]


def test_the_stream_mapping_points_at_the_table_s_stream_across_stacks(app: DeployedApp) -> None:
    mapping = app.resource("Service", "Handler", "AWS::Lambda::EventSourceMapping")
    function = app.resource("Service", "Handler", "AWS::Lambda::Function")

    assert (
        mapping.properties["EventSourceArn"]
        == app.resource("Data", "Table", "AWS::DynamoDB::Table").attributes["StreamArn"]
    )
    assert mapping.properties["FunctionName"] == function.physical_id
    assert mapping.properties["BatchSize"] == 10


def test_outputs_resolve_through_both_kinds_of_cross_stack_reference(app: DeployedApp) -> None:
    outputs = app.deployment.outputs["Service"]
    api = app.resource("Service", "Api", "AWS::ApiGateway::RestApi")

    assert outputs["TableName"] == app.resource("Data", "Table", "AWS::DynamoDB::Table").physical_id
    assert outputs["QueueUrl"] == app.resource("Data", "Jobs", "AWS::SQS::Queue").physical_id
    assert outputs["FunctionName"] == app.resource("Service", "Handler", "AWS::Lambda::Function").physical_id
    (endpoint,) = (value for name, value in outputs.items() if name.startswith("ApiEndpoint"))
    assert endpoint == f"https://{api.physical_id}.execute-api.{REGION}.amazonaws.com/prod/"
    assert re.fullmatch(r"[a-z0-9]{10}", api.physical_id)


def test_both_reference_strengths_were_synthesized(app: DeployedApp) -> None:
    variables = json.dumps(
        _template(app, "Service")["Resources"][
            app.resource("Service", "Handler", "AWS::Lambda::Function").logical_id
        ]
    )

    assert "Fn::ImportValue" in variables
    assert "Fn::GetStackOutput" in variables


def test_each_unsupported_type_is_warned_about_once(app: DeployedApp) -> None:
    assert app.warnings == ["local cloud: 2 AWS::CloudWatch::Alarm resources are not emulated; ignored"]
    alarms = list(app.deployment.of_type("AWS::CloudWatch::Alarm"))
    assert [alarm.attributes["Arn"].split(":")[2] for alarm in alarms] == ["cloudwatch", "cloudwatch"]


def _template(app: DeployedApp, stack: str) -> dict[str, Any]:
    return json.loads((app.deployment.cdk_out / f"{stack}.template.json").read_text())
