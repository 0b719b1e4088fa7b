"""State that survives a restart: `cdk-local serve` stopped with Ctrl-C and started again, as developers do.

A small CDK app of this module's own (a table with a stream, a versioned bucket, a user pool behind a REST
API's Cognito authorizer, a queue, a KMS key) is served by the console script in real processes, so the only
way anything survives is the state directory. The first run writes an item, two versions of an object, a
user in a group (with a token), an SSM parameter that no template names, a ciphertext and a queued message;
the second, on other ports, finds all of them, and the old token still opens the API, while the table's
stream starts after the records of the first run (none is delivered twice); a run with --reset finds none.
Saved state that cannot be used (damaged, written by another moto, or made before a change that the local
cloud cannot apply) ends the start with one line naming the reset command, never a traceback.
"""

import json
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import requests
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from botocore.exceptions import ClientError
from event_source_doubles import wait_until
from fakes import REGION

from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.embedded_aws.saved_state import STATE_FILE_NAME

STACK = "Kept"
START_DEADLINE_SECONDS = 120.0
STOP_DEADLINE_SECONDS = 60.0
HANDLER = """import json


def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    return {"statusCode": 200, "body": json.dumps({"user": claims["cognito:username"]})}
"""


def _synthesize(outdir: Path, code: Path) -> None:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK)
    table = dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    )
    bucket = s3.Bucket(stack, "Files", versioned=True)
    users = cognito.UserPool(stack, "Users")
    client = users.add_client("Client")
    cognito.CfnUserPoolGroup(stack, "Admins", user_pool_id=users.user_pool_id, group_name="admins")
    queue = sqs.Queue(stack, "Jobs")
    key = kms.Key(stack, "Key")
    function = lambda_.Function(
        stack,
        "Me",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
    )
    api = apigateway.RestApi(stack, "Api", cloud_watch_role=False)
    authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "Authorizer", cognito_user_pools=[users])
    api.root.add_resource("me").add_method(
        "GET",
        apigateway.LambdaIntegration(function),
        authorizer=authorizer,
        authorization_type=apigateway.AuthorizationType.COGNITO,
    )
    outputs = {
        "TableName": table.table_name,
        "BucketName": bucket.bucket_name,
        "UserPoolId": users.user_pool_id,
        "ClientId": client.user_pool_client_id,
        "QueueUrl": queue.queue_url,
        "KeyId": key.key_id,
        "ApiUrl": api.url,
    }
    for name, value in outputs.items():
        cdk.CfnOutput(stack, name, value=value)
    app.synth()


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kept_app")
    (root / "code").mkdir()
    (root / "code" / "index.py").write_text(HANDLER)
    _synthesize(root / "cdk.out", root / "code")
    return root / "cdk.out"


@dataclass(frozen=True)
class Running:
    """A served app: its stack outputs (URLs on this run's ports) and boto3 clients on its embedded AWS."""

    outputs: dict[str, str]
    endpoint_url: str

    def client(self, service: str) -> Any:
        return MotoClients(self.endpoint_url, REGION).client(service)

    def me(self, token: str) -> requests.Response:
        return requests.get(f"{self.outputs['ApiUrl']}me", headers={"Authorization": token}, timeout=60)

    def object_versions(self, key: str) -> list[dict[str, Any]]:
        listed = self.client("s3").list_object_versions(Bucket=self.outputs["BucketName"], Prefix=key)
        return list(listed.get("Versions", []))


class ServeCommand:
    """`cdk-local serve` of the module's app with one state directory, on free ports, in its own processes."""

    def __init__(self, cdk_out: Path, work_dir: Path) -> None:
        self.cdk_out = cdk_out
        self.state_dir = work_dir / "state"
        self.outputs_file = work_dir / "cdk-outputs.local.json"
        self.log = work_dir / "serve.log"

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE_NAME

    def arguments(self, *extra: str, cdk_out: Path | None = None) -> list[str]:
        return [
            str(Path(sys.executable).with_name("cdk-local")),
            "serve",
            "--cdk-out",
            str(cdk_out or self.cdk_out),
            "--port",
            "0",
            "--aws-port",
            "0",
            "--no-reload",
            "--outputs-file",
            str(self.outputs_file),
            "--state-dir",
            str(self.state_dir),
            *extra,
        ]

    @contextmanager
    def running(self, *extra: str) -> Iterator[Running]:
        """Serves until the block ends, then stops as Ctrl-C does and checks that the stop went cleanly."""
        self.outputs_file.unlink(missing_ok=True)
        with self.log.open("w") as log:
            process = subprocess.Popen(
                self.arguments(*extra), stdout=log, stderr=subprocess.STDOUT, text=True
            )
        try:
            wait_until(
                lambda: self.outputs_file.exists() or process.poll() is not None,
                "the local cloud's outputs file",
                deadline=START_DEADLINE_SECONDS,
            )
            assert process.poll() is None, f"the local cloud did not start:\n{self.log.read_text()}"
            written = json.loads(self.outputs_file.read_text())
            yield Running(written[STACK], written["LocalCloud"]["AwsEndpointUrl"])
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=STOP_DEADLINE_SECONDS) == 0, self.log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    def refused(self, *extra: str, cdk_out: Path | None = None) -> str:
        """Starts a run that must refuse to start; returns its one error line."""
        result = subprocess.run(
            self.arguments(*extra, cdk_out=cdk_out),
            capture_output=True,
            text=True,
            timeout=START_DEADLINE_SECONDS,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr
        return errors[0]


@pytest.fixture
def serve(cdk_out: Path, tmp_path: Path) -> ServeCommand:
    return ServeCommand(cdk_out, tmp_path)


@pytest.fixture(scope="module")
def saved_state_file(cdk_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state a first run of the app leaves (for the tests that start from one)."""
    serve = ServeCommand(cdk_out, tmp_path_factory.mktemp("first_run"))
    with serve.running():
        pass
    return serve.state_file


def _start_from(saved_state_file: Path, serve: ServeCommand) -> None:
    serve.state_dir.mkdir()
    shutil.copyfile(saved_state_file, serve.state_file)


@dataclass(frozen=True)
class Created:
    """What the first run created, to be looked for after the restart."""

    pool_id: str
    token: str
    ciphertext: bytes
    last_stream_record: int


def _create_everything(running: Running, serve: ServeCommand) -> Created:
    outputs = running.outputs
    running.client("dynamodb").put_item(
        TableName=outputs["TableName"], Item={"pk": {"S": "board-1"}, "name": {"S": "Launch"}}
    )
    for body in (b"first draft", b"final"):
        running.client("s3").put_object(Bucket=outputs["BucketName"], Key="files/plan.txt", Body=body)
    token = _token(serve, "alice", "admins")
    assert running.me(token).status_code == 200
    running.client("ssm").put_parameter(Name="/made/by/hand", Value="kept", Type="String")
    ciphertext = running.client("kms").encrypt(KeyId=outputs["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    running.client("sqs").send_message(QueueUrl=outputs["QueueUrl"], MessageBody="job 1")
    (*_, last_record) = _stream_sequence_numbers(running)
    return Created(
        pool_id=outputs["UserPoolId"], token=token, ciphertext=ciphertext, last_stream_record=last_record
    )


def _stream_sequence_numbers(running: Running) -> list[int]:
    """The sequence numbers of every record the table's stream holds, oldest first."""
    streams = running.client("dynamodbstreams")
    stream_arn = running.client("dynamodb").describe_table(TableName=running.outputs["TableName"])["Table"][
        "LatestStreamArn"
    ]
    (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    return [int(record["dynamodb"]["SequenceNumber"]) for record in records]


def _token(serve: ServeCommand, user: str, *groups: str) -> str:
    issued = subprocess.run(
        [
            str(Path(sys.executable).with_name("cdk-local")),
            "token",
            "--user",
            user,
            "--outputs-file",
            str(serve.outputs_file),
            *(["--groups", *groups] if groups else []),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return issued.stdout.strip()


def _item(running: Running) -> dict[str, Any] | None:
    found = running.client("dynamodb").get_item(
        TableName=running.outputs["TableName"], Key={"pk": {"S": "board-1"}}
    )
    item: dict[str, Any] | None = found.get("Item")
    return item


def test_a_restart_keeps_the_data_and_old_tokens_and_reset_starts_empty(serve: ServeCommand) -> None:
    with serve.running() as first:
        created = _create_everything(first, serve)
    assert serve.state_file.exists()

    with serve.running() as second:
        assert second.endpoint_url != first.endpoint_url, "the restart runs on other ports"
        assert second.outputs["UserPoolId"] == created.pool_id
        assert _item(second) == {"pk": {"S": "board-1"}, "name": {"S": "Launch"}}
        assert len(second.object_versions("files/plan.txt")) == 2
        latest = second.client("s3").get_object(Bucket=second.outputs["BucketName"], Key="files/plan.txt")
        assert latest["Body"].read() == b"final"
        groups = second.client("cognito-idp").admin_list_groups_for_user(
            UserPoolId=created.pool_id, Username="alice"
        )["Groups"]
        assert [group["GroupName"] for group in groups] == ["admins"]
        me = second.me(created.token)
        assert me.status_code == 200, me.text
        assert me.json() == {"user": "alice"}
        parameter = second.client("ssm").get_parameter(Name="/made/by/hand")["Parameter"]
        assert parameter["Value"] == "kept"
        assert second.client("kms").decrypt(CiphertextBlob=created.ciphertext)["Plaintext"] == b"secret"
        messages = second.client("sqs").receive_message(QueueUrl=second.outputs["QueueUrl"])["Messages"]
        assert [message["Body"] for message in messages] == ["job 1"]
        assert _stream_sequence_numbers(second) == []
        second.client("dynamodb").put_item(
            TableName=second.outputs["TableName"], Item={"pk": {"S": "board-2"}}
        )
        (after_restart,) = _stream_sequence_numbers(second)
        assert after_restart > created.last_stream_record

    with serve.running("--reset") as emptied:
        assert _item(emptied) is None
        assert emptied.object_versions("files/plan.txt") == []
        with pytest.raises(ClientError, match="UserNotFoundException"):
            emptied.client("cognito-idp").admin_get_user(
                UserPoolId=emptied.outputs["UserPoolId"], Username="alice"
            )
        assert emptied.me(created.token).status_code == 401


def test_a_damaged_state_file_is_one_line_naming_the_reset_command(serve: ServeCommand) -> None:
    serve.state_dir.mkdir()
    serve.state_file.write_bytes(b"\x80\x04 not a saved state")

    line = serve.refused()

    assert f"The local cloud's saved state {serve.state_file} cannot be read" in line
    assert _named_command(line) == [*serve.arguments()[1:], "--reset"]


def test_a_state_written_by_another_moto_is_refused_by_its_header(
    serve: ServeCommand, saved_state_file: Path
) -> None:
    _start_from(saved_state_file, serve)
    magic, header, payload = serve.state_file.read_bytes().split(b"\n", 2)
    older = json.loads(header) | {"moto": "4.0.0"}
    serve.state_file.write_bytes(b"\n".join([magic, json.dumps(older).encode(), payload]))

    line = serve.refused("--reset-command", "make local-reset")

    assert "was written by another version" in line
    assert "moto 4.0.0" in line
    assert "`make local-reset`" in line


def test_a_change_that_the_saved_state_cannot_take_names_the_resource_and_the_reset_command(
    serve: ServeCommand, saved_state_file: Path, tmp_path: Path
) -> None:
    _start_from(saved_state_file, serve)
    changed = shutil.copytree(serve.cdk_out, tmp_path / "changed.cdk.out")
    template_file = changed / f"{STACK}.template.json"
    template = json.loads(template_file.read_text())
    (table_id,) = (
        key for key, value in template["Resources"].items() if value["Type"] == "AWS::DynamoDB::Table"
    )
    template["Resources"][table_id]["Properties"]["TableClass"] = "STANDARD_INFREQUENT_ACCESS"
    template_file.write_text(json.dumps(template))

    line = serve.refused("--reset-command", "make local-reset", cdk_out=changed)

    assert f"Stack {STACK}, resource {table_id} (AWS::DynamoDB::Table) changed" in line
    assert "`make local-reset`" in line
    assert serve.state_file.exists(), "a refused start keeps the saved state"


def _named_command(line: str) -> list[str]:
    """The arguments of the command between the message's backticks (after ``cdk-local``)."""
    return shlex.split(line.split("`")[1])[1:]
