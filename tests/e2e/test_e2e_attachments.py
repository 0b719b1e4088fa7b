"""Attachments through the local cloud: a presigned POST to the embedded S3 (under incoming/), the
ObjectCreated notification running the uploads function, ``attachment.ready`` on the socket, the download,
a re-used upload form that changes nothing, and a cleanup to nothing."""

import asyncio
import json
import time
from typing import Any

import requests
from websockets.asyncio.client import connect

from cdk_local_cloud.embedded_aws.moto_clients import MotoClients
from cdk_local_cloud.local_cloud import LocalCloud
from tests.e2e.clients import Api, next_event_of
from tests.e2e.conftest import SignIn

CONTENT = b"minutes of the launch meeting\n"


def test_an_upload_becomes_ready_reaches_subscribers_downloads_and_is_cleaned_up(
    local_cloud: LocalCloud, rest_url: str, websocket_url: str, sign_in: SignIn
) -> None:
    token = sign_in("erin")
    erin = Api(rest_url, token)
    board_id = erin.call("POST", "/boards", 201, {"name": "Files"})["boardId"]
    task_id = erin.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "Minutes"})["taskId"]
    attachments = f"/boards/{board_id}/tasks/{task_id}/attachments"

    async def upload_and_wait_for_ready() -> dict:
        async with connect(f"{websocket_url}?token={token}") as socket:
            await socket.send(json.dumps({"action": "subscribe", "boardId": board_id}))
            await next_event_of(socket, "subscribed")
            created = erin.call(
                "POST",
                attachments,
                201,
                {"fileName": "minutes.txt", "contentType": "text/plain", "size": len(CONTENT)},
            )
            form = created["upload"]
            posted = requests.post(
                form["url"],
                data=form["fields"],
                files={"file": ("minutes.txt", CONTENT, "text/plain")},
                timeout=60,
            )
            assert posted.status_code in (200, 201, 204), posted.text
            return {"event": await next_event_of(socket, "attachment.ready"), "form": form}

    uploaded = asyncio.run(upload_and_wait_for_ready())
    ready, form = uploaded["event"], uploaded["form"]
    assert (ready["data"]["fileName"], ready["data"]["status"]) == ("minutes.txt", "ready")
    assert form["fields"]["key"].startswith("incoming/")

    (listed,) = erin.call("GET", attachments, 200)["items"]
    download = requests.get(listed["downloadUrl"], timeout=60)
    assert download.content == CONTENT
    assert download.headers["Content-Disposition"].startswith("attachment;")

    s3, bucket = _attachments_bucket(local_cloud)
    other = b"<html>not the minutes</html>".ljust(len(CONTENT))
    requests.post(form["url"], data=form["fields"], files={"file": ("x", other, "text/plain")}, timeout=60)
    _wait_until_empty(s3, bucket, f"incoming/{board_id}/")  # the uploads function discarded it
    (again,) = erin.call("GET", attachments, 200)["items"]
    assert again["status"] == "ready"
    assert requests.get(again["downloadUrl"], timeout=60).content == CONTENT

    erin.call("DELETE", f"/boards/{board_id}/tasks/{task_id}", 204)
    for prefix in ("incoming", "attachments"):
        left = s3.list_object_versions(Bucket=bucket, Prefix=f"{prefix}/{board_id}/")
        assert left.get("Versions", []) == []
        assert left.get("DeleteMarkers", []) == []


def _attachments_bucket(local_cloud: LocalCloud) -> tuple[Any, str]:
    deployment = local_cloud.deployment
    s3 = MotoClients(deployment.aws_endpoint_url, deployment.region).client("s3")
    bucket = next(
        resource.physical_id
        for resource in deployment.of_type("AWS::S3::Bucket")
        if resource.logical_id.startswith("AttachmentsBucket")
    )
    return s3, bucket


def _wait_until_empty(s3: Any, bucket: str, prefix: str, timeout_seconds: float = 60) -> None:
    deadline = time.monotonic() + timeout_seconds
    while s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0):
        assert time.monotonic() < deadline, f"{prefix} still holds an upload after {timeout_seconds} s"
        time.sleep(0.2)
