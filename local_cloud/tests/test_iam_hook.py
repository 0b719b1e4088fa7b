"""The botocore hook against the session's moto server: allowed calls go through, denied ones fail as in AWS.

Every test installs the check with ``policy_check``, which removes it on exit, so it never leaks into
other tests of the same pytest process.
"""

from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from fakes import FAKE_ACCOUNT_ID, REGION

from cdk_local_cloud.iam import policy_check

PRINCIPAL = f"arn:aws:sts::{FAKE_ACCOUNT_ID}:assumed-role/HandlerRole/handler"


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{FAKE_ACCOUNT_ID}:table/{name}"


def allow(action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def checked(*statements: dict[str, Any]) -> Any:
    return policy_check(statements, principal_arn=PRINCIPAL, account_id=FAKE_ACCOUNT_ID, region=REGION)


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


@pytest.fixture
def tables(fake_aws_environment: str) -> Iterator[tuple[str, str]]:
    """Two fresh tables (``pk`` hash key, a ``byOwner`` index), created before any check is installed."""
    client = boto3.client("dynamodb", region_name=REGION)
    names = (f"iam-main-{uuid4().hex[:8]}", f"iam-other-{uuid4().hex[:8]}")
    for name in names:
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "owner", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "byOwner",
                    "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    yield names
    for name in names:
        client.delete_table(TableName=name)


@pytest.fixture
def bucket(fake_aws_environment: str) -> str:
    name = f"iam-uploads-{uuid4().hex[:8]}"
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="attachments/a.txt", Body=b"hello")
    return name


def test_an_allowed_put_item_reaches_moto(tables: tuple[str, str]) -> None:
    main, _ = tables
    with checked(allow("dynamodb:PutItem", table_arn(main)), allow("dynamodb:GetItem", table_arn(main))):
        client = boto3.session.Session(region_name=REGION).client("dynamodb")
        client.put_item(TableName=main, Item={"pk": {"S": "board-1"}})
        item = client.get_item(TableName=main, Key={"pk": {"S": "board-1"}})["Item"]

    assert item == {"pk": {"S": "board-1"}}


def test_a_denied_put_item_raises_access_denied_exception_with_aws_message(tables: tuple[str, str]) -> None:
    main, other = tables
    with checked(allow("dynamodb:PutItem", table_arn(main))):
        client = boto3.session.Session(region_name=REGION).client("dynamodb")
        with pytest.raises(ClientError) as raised:
            client.put_item(TableName=other, Item={"pk": {"S": "board-1"}})

    assert error_of(raised) == (
        "AccessDeniedException",
        400,
        f"User: {PRINCIPAL} is not authorized to perform: dynamodb:PutItem on resource: {table_arn(other)} "
        "because no identity-based policy allows the dynamodb:PutItem action",
    )
    assert "Item" not in boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=other, Key={"pk": {"S": "board-1"}}
    )


def test_an_explicit_deny_beats_an_allow(tables: tuple[str, str]) -> None:
    main, _ = tables
    deny_delete = {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": table_arn(main)}
    with checked(allow("dynamodb:*", "*"), deny_delete):
        client = boto3.session.Session(region_name=REGION).client("dynamodb")
        client.put_item(TableName=main, Item={"pk": {"S": "board-2"}})
        with pytest.raises(ClientError) as raised:
            client.delete_item(TableName=main, Key={"pk": {"S": "board-2"}})

    code, _, message = error_of(raised)
    assert code == "AccessDeniedException"
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_a_batch_write_needs_every_table_and_a_query_needs_the_index(tables: tuple[str, str]) -> None:
    main, other = tables
    with checked(
        allow("dynamodb:BatchWriteItem", table_arn(main)),
        allow("dynamodb:Query", f"{table_arn(main)}/index/*"),
    ):
        table = boto3.resource("dynamodb", region_name=REGION).Table(main)
        owned = table.query(
            IndexName="byOwner",
            KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": "alice"},
        )
        with pytest.raises(ClientError) as on_table:
            table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": "board-1"})
        with pytest.raises(ClientError) as two_tables:
            boto3.client("dynamodb", region_name=REGION).batch_write_item(
                RequestItems={
                    main: [{"PutRequest": {"Item": {"pk": {"S": "x"}}}}],
                    other: [{"PutRequest": {"Item": {"pk": {"S": "y"}}}}],
                }
            )

    assert owned["Items"] == []
    assert f"on resource: {table_arn(main)} " in error_of(on_table)[2]
    assert f"dynamodb:BatchWriteItem on resource: {table_arn(other)} " in error_of(two_tables)[2]


def test_a_denied_get_object_is_s3_access_denied_and_presigning_needs_no_permission(bucket: str) -> None:
    with checked(allow("s3:PutObject", f"arn:aws:s3:::{bucket}/attachments/*")):
        client = boto3.client("s3", region_name=REGION)
        client.put_object(Bucket=bucket, Key="attachments/b.txt", Body=b"ok")
        with pytest.raises(ClientError) as raised:
            client.get_object(Bucket=bucket, Key="attachments/a.txt")
        download_url = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "attachments/a.txt"}
        )

    code, status, message = error_of(raised)
    assert (code, status) == ("AccessDenied", 403)
    assert f"s3:GetObject on resource: arn:aws:s3:::{bucket}/attachments/a.txt " in message
    assert requests.get(download_url, timeout=10).content == b"hello"


def test_boto3_client_from_a_default_session_created_before_install_is_checked(
    tables: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main, _ = tables
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.session.Session(region_name=REGION))
    with checked():
        with pytest.raises(ClientError) as raised:
            boto3.client("dynamodb").describe_table(TableName=main)
        identity = boto3.client("sts").get_caller_identity()

    assert error_of(raised)[0] == "AccessDeniedException"
    assert identity["Account"] == FAKE_ACCOUNT_ID


def test_powertools_clients_are_checked(fake_aws_environment: str) -> None:
    name = f"/iam-test/{uuid4().hex[:8]}"
    boto3.client("ssm", region_name=REGION).put_parameter(Name=name, Value="v", Type="String")
    parameter_arn = f"arn:aws:ssm:{REGION}:{FAKE_ACCOUNT_ID}:parameter{name}"

    with checked(allow("ssm:GetParameter", parameter_arn)):
        value = SSMProvider().get(name, force_fetch=True)
        with pytest.raises(GetParameterError, match="AccessDeniedException"):
            SSMProvider().get(f"{name}-other", force_fetch=True)

    assert value == "v"


def test_after_uninstall_calls_go_through_unchecked(tables: tuple[str, str]) -> None:
    main, _ = tables
    with checked():
        client = boto3.session.Session(region_name=REGION).client("dynamodb")
        with pytest.raises(ClientError):
            client.describe_table(TableName=main)

    assert client.describe_table(TableName=main)["Table"]["TableName"] == main


def test_unsigned_operations_need_no_permission(fake_aws_environment: str) -> None:
    with checked():
        client = boto3.client("cognito-idp", region_name=REGION)
        with pytest.raises(ClientError) as raised:
            client.initiate_auth(
                ClientId="no-such-client", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "a"}
            )

    assert error_of(raised)[0] != "AccessDeniedException"


@pytest.mark.parametrize(
    ("service", "call", "expected_code", "expected_status"),
    [
        pytest.param(
            "apigatewaymanagementapi",
            lambda client: client.post_to_connection(ConnectionId="Zm9v=", Data=b"{}"),
            "AccessDeniedException",
            403,
            id="post-to-connection",
        ),
        pytest.param(
            "sqs",
            lambda client: client.send_message(
                QueueUrl=f"http://127.0.0.1:9/{FAKE_ACCOUNT_ID}/q", MessageBody="x"
            ),
            "AccessDenied",
            403,
            id="sqs",
        ),
    ],
)
def test_a_denied_call_never_leaves_the_process_and_gets_the_service_error(
    fake_aws_environment: str,
    service: str,
    call: Callable[[Any], object],
    expected_code: str,
    expected_status: int,
) -> None:
    # Port 9 (discard) has nobody listening: a request that left the process would fail to connect.
    with checked():
        client = boto3.client(service, region_name=REGION, endpoint_url="http://127.0.0.1:9/abcde12345/v1")
        with pytest.raises(ClientError) as raised:
            call(client)

    assert error_of(raised)[:2] == (expected_code, expected_status)
