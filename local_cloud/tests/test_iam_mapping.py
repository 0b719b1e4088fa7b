"""From botocore calls to the IAM (action, resource) pairs AWS would authorize them against."""

from typing import Any

import pytest

from cdk_local_cloud.iam import ApiCall, IamRequest, iam_requests

ACCOUNT = "123456789012"
REGION = "eu-west-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"


def requests_of(
    service: str, operation: str, signing_name: str = "", endpoint_url: str = "", **params: Any
) -> list[tuple[str, str]]:
    call = ApiCall(
        service=service,
        operation=operation,
        params=params,
        region=REGION,
        account_id=ACCOUNT,
        endpoint_url=endpoint_url,
        signing_name=signing_name,
    )
    return [(request.action, request.resource) for request in iam_requests(call)]


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        pytest.param(
            "PutItem", {"TableName": "Main", "Item": {}}, [("dynamodb:PutItem", f"{TABLE}/Main")], id="put"
        ),
        pytest.param(
            "GetItem",
            {"TableName": f"{TABLE}/Main", "Key": {}},
            [("dynamodb:GetItem", f"{TABLE}/Main")],
            id="table-by-arn",
        ),
        pytest.param(
            "Query",
            {"TableName": "Main", "IndexName": "gsi1"},
            [("dynamodb:Query", f"{TABLE}/Main/index/gsi1")],
            id="query-index",
        ),
        pytest.param(
            "Scan",
            {"TableName": "Main", "IndexName": "gsi1"},
            [("dynamodb:Scan", f"{TABLE}/Main/index/gsi1")],
            id="scan-index",
        ),
        pytest.param("Query", {"TableName": "Main"}, [("dynamodb:Query", f"{TABLE}/Main")], id="query-table"),
        pytest.param(
            "DescribeTable",
            {"TableName": "Main"},
            [("dynamodb:DescribeTable", f"{TABLE}/Main")],
            id="describe",
        ),
        pytest.param(
            "BatchWriteItem",
            {"RequestItems": {"Main": [], "Connections": []}},
            [
                ("dynamodb:BatchWriteItem", f"{TABLE}/Main"),
                ("dynamodb:BatchWriteItem", f"{TABLE}/Connections"),
            ],
            id="batch-write-two-tables",
        ),
        pytest.param(
            "BatchGetItem",
            {"RequestItems": {"Main": {"Keys": []}}},
            [("dynamodb:BatchGetItem", f"{TABLE}/Main")],
            id="batch-get",
        ),
        pytest.param(
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": "Main", "Item": {}}},
                    {"Update": {"TableName": "Main", "Key": {}}},
                    {"Delete": {"TableName": "Other", "Key": {}}},
                    {"ConditionCheck": {"TableName": "Main", "Key": {}}},
                ]
            },
            [
                ("dynamodb:PutItem", f"{TABLE}/Main"),
                ("dynamodb:UpdateItem", f"{TABLE}/Main"),
                ("dynamodb:DeleteItem", f"{TABLE}/Other"),
                ("dynamodb:ConditionCheckItem", f"{TABLE}/Main"),
            ],
            id="transact-write",
        ),
        pytest.param(
            "TransactGetItems",
            {"TransactItems": [{"Get": {"TableName": "Main", "Key": {}}}]},
            [("dynamodb:GetItem", f"{TABLE}/Main")],
            id="transact-get",
        ),
        pytest.param("ListTables", {}, [("dynamodb:ListTables", "*")], id="list-tables"),
    ],
)
def test_dynamodb_calls(operation: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert requests_of("dynamodb", operation, **params) == expected


def test_dynamodb_stream_calls_name_the_stream_even_through_a_shard_iterator() -> None:
    stream = f"{TABLE}/Main/stream/2024-01-01T00:00:00.000"

    assert requests_of("dynamodbstreams", "DescribeStream", "dynamodb", StreamArn=stream) == [
        ("dynamodb:DescribeStream", stream)
    ]
    assert requests_of("dynamodbstreams", "GetRecords", "dynamodb", ShardIterator=f"{stream}|1|AAAA") == [
        ("dynamodb:GetRecords", stream)
    ]
    assert requests_of("dynamodbstreams", "ListStreams", "dynamodb") == [("dynamodb:ListStreams", "*")]


BUCKET = "arn:aws:s3:::uploads"


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        pytest.param(
            "GetObject", {"Bucket": "uploads", "Key": "a/b.png"}, [("s3:GetObject", f"{BUCKET}/a/b.png")]
        ),
        pytest.param(
            "GetObject",
            {"Bucket": "uploads", "Key": "k", "VersionId": "v1"},
            [("s3:GetObjectVersion", f"{BUCKET}/k")],
            id="GetObject-version",
        ),
        pytest.param("HeadObject", {"Bucket": "uploads", "Key": "k"}, [("s3:GetObject", f"{BUCKET}/k")]),
        pytest.param(
            "PutObject", {"Bucket": "uploads", "Key": "k", "Body": b""}, [("s3:PutObject", f"{BUCKET}/k")]
        ),
        pytest.param("DeleteObject", {"Bucket": "uploads", "Key": "k"}, [("s3:DeleteObject", f"{BUCKET}/k")]),
        pytest.param(
            "DeleteObject",
            {"Bucket": "uploads", "Key": "k", "VersionId": "v1"},
            [("s3:DeleteObjectVersion", f"{BUCKET}/k")],
            id="DeleteObject-version",
        ),
        pytest.param(
            "GetObjectTagging",
            {"Bucket": "uploads", "Key": "k", "VersionId": "v1"},
            [("s3:GetObjectVersionTagging", f"{BUCKET}/k")],
            id="GetObjectTagging-version",
        ),
        pytest.param(
            "DeleteObjects",
            {"Bucket": "uploads", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}]}},
            [("s3:DeleteObject", f"{BUCKET}/a"), ("s3:DeleteObjectVersion", f"{BUCKET}/b")],
        ),
        pytest.param(
            "CopyObject",
            {
                "Bucket": "uploads",
                "Key": "to",
                "CopySource": {"Bucket": "inbox", "Key": "from", "VersionId": "v"},
            },
            [("s3:PutObject", f"{BUCKET}/to"), ("s3:GetObjectVersion", "arn:aws:s3:::inbox/from")],
            id="CopyObject-dict",
        ),
        pytest.param(
            "CopyObject",
            {"Bucket": "uploads", "Key": "to", "CopySource": "inbox/a%20dir/from"},
            [("s3:PutObject", f"{BUCKET}/to"), ("s3:GetObject", "arn:aws:s3:::inbox/a dir/from")],
            id="CopyObject-string",
        ),
        pytest.param(
            "CreateMultipartUpload", {"Bucket": "uploads", "Key": "k"}, [("s3:PutObject", f"{BUCKET}/k")]
        ),
        pytest.param("ListObjectsV2", {"Bucket": "uploads", "Prefix": "a/"}, [("s3:ListBucket", BUCKET)]),
        pytest.param("ListObjects", {"Bucket": "uploads"}, [("s3:ListBucket", BUCKET)]),
        pytest.param("ListObjectVersions", {"Bucket": "uploads"}, [("s3:ListBucketVersions", BUCKET)]),
        pytest.param("GetBucketVersioning", {"Bucket": "uploads"}, [("s3:GetBucketVersioning", BUCKET)]),
        pytest.param(
            "PutBucketNotificationConfiguration",
            {"Bucket": "uploads"},
            [("s3:PutBucketNotification", BUCKET)],
        ),
        pytest.param("ListBuckets", {}, [("s3:ListAllMyBuckets", "*")]),
    ],
)
def test_s3_calls(operation: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert requests_of("s3", operation, **params) == expected


def test_sqs_calls_name_the_queue_by_url_or_name() -> None:
    local_url = f"http://127.0.0.1:5000/{ACCOUNT}/failures"
    aws_url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/failures"
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failures"

    assert requests_of("sqs", "SendMessage", QueueUrl=local_url, MessageBody="x") == [
        ("sqs:SendMessage", queue)
    ]
    assert requests_of("sqs", "SendMessageBatch", QueueUrl=aws_url, Entries=[]) == [
        ("sqs:SendMessage", queue)
    ]
    assert requests_of("sqs", "DeleteMessageBatch", QueueUrl=aws_url, Entries=[]) == [
        ("sqs:DeleteMessage", queue)
    ]
    assert requests_of("sqs", "GetQueueUrl", QueueName="failures") == [("sqs:GetQueueUrl", queue)]


def test_sns_calls_name_the_topic() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"

    assert requests_of("sns", "Publish", TopicArn=topic, Message="x") == [("sns:Publish", topic)]
    assert requests_of("sns", "PublishBatch", TopicArn=topic, PublishBatchRequestEntries=[]) == [
        ("sns:Publish", topic)
    ]
    assert requests_of("sns", "Unsubscribe", SubscriptionArn=f"{topic}:0b1c") == [("sns:Unsubscribe", topic)]
    assert requests_of("sns", "CreateTopic", Name="alerts") == [("sns:CreateTopic", topic)]


def test_a_secret_by_arn_is_exact_and_by_name_is_a_pattern_of_its_unknown_suffix() -> None:
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:signing-key-AbC123"

    by_arn = iam_requests(
        ApiCall("secretsmanager", "GetSecretValue", {"SecretId": secret_arn}, REGION, ACCOUNT)
    )
    by_name = iam_requests(
        ApiCall("secretsmanager", "GetSecretValue", {"SecretId": "signing-key"}, REGION, ACCOUNT)
    )

    assert by_arn == [IamRequest("secretsmanager:GetSecretValue", secret_arn)]
    assert by_name == [
        IamRequest(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:signing-key-??????",
            resource_is_pattern=True,
        )
    ]


def test_ssm_kms_lambda_and_cognito_calls_name_their_resource() -> None:
    assert requests_of("ssm", "GetParameter", Name="/app/config") == [
        ("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/config")
    ]
    assert requests_of("ssm", "GetParameters", Names=["/a", "b"]) == [
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/a"),
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/b"),
    ]
    assert requests_of("kms", "Encrypt", KeyId="1234abcd") == [
        ("kms:Encrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd")
    ]
    assert requests_of("kms", "Decrypt", CiphertextBlob=b"x") == [
        ("kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*")
    ]
    assert requests_of("lambda", "Invoke", FunctionName="worker", Qualifier="live") == [
        ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:worker:live")
    ]
    assert requests_of("lambda", "Invoke", FunctionName=f"{ACCOUNT}:function:worker") == [
        ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:worker")
    ]
    assert requests_of("cognito-idp", "AdminGetUser", UserPoolId=f"{REGION}_abc", Username="alice") == [
        ("cognito-idp:AdminGetUser", f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc")
    ]


@pytest.mark.parametrize(
    "endpoint_url",
    [
        pytest.param("http://127.0.0.1:8123/abcde12345/v1", id="local"),
        pytest.param(f"https://abcde12345.execute-api.{REGION}.amazonaws.com/v1", id="aws"),
        pytest.param("http://127.0.0.1:8123/abcde12345/v1/@connections/Zm9v%3D", id="request-url"),
    ],
)
def test_connection_calls_need_manage_connections_on_the_route(endpoint_url: str) -> None:
    route = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcde12345/v1"

    for operation, method in (
        ("PostToConnection", "POST"),
        ("GetConnection", "GET"),
        ("DeleteConnection", "DELETE"),
    ):
        assert requests_of(
            "apigatewaymanagementapi", operation, "execute-api", endpoint_url, ConnectionId="Zm9v="
        ) == [("execute-api:ManageConnections", f"{route}/{method}/@connections/Zm9v=")]


def test_get_caller_identity_needs_nothing_and_unknown_calls_need_their_action_on_any_resource() -> None:
    assert requests_of("sts", "GetCallerIdentity") == []
    assert iam_requests(ApiCall("states", "StartExecution", {}, REGION, ACCOUNT, signing_name="states")) == [
        IamRequest("states:StartExecution", "*", resource_is_pattern=True)
    ]
