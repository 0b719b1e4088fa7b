"""Attachments end to end: the REST handler, S3 over HTTP (moto server), and the uploads function.

Imported by name from the tests and conftest.py (pytest puts this directory on ``sys.path``).

    started = uploads.start(content_type="image/png", size=len(PNG))    # POST .../attachments
    uploads.send(started.body["upload"], PNG)                          # the browser's POST to S3
    uploads.process(started.body["attachment"])                        # S3's ObjectCreated (incoming/)
    [item] = uploads.listing()                                         # GET .../attachments
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus

import boto3
import requests
from lambda_context import LambdaContextDouble
from rest_harness import Api, ApiResponse, SeededBoard

from corkboard.attachment_keys import AttachmentKey
from uploads.processor import handler

__all__ = ["GIF", "PDF", "PNG", "Uploads", "served_key", "upload_key"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(32)


def _ids(view: Mapping[str, Any]) -> AttachmentKey:
    return AttachmentKey(view["boardId"], view["taskId"], view["attachmentId"])


def upload_key(view: Mapping[str, Any]) -> str:
    """Where the upload form of an attachment view (as the API returns it) puts the file."""
    return _ids(view).upload_key


def served_key(view: Mapping[str, Any]) -> str:
    """Where the checked file of an attachment view is served from."""
    return _ids(view).served_key


@dataclass(frozen=True)
class Uploads:
    """The seeded board's task, its attachments, and the bucket they go to."""

    api: Api
    board: SeededBoard
    bucket: str

    @cached_property
    def s3(self) -> Any:
        """One client for the test (each costs milliseconds to build), made after the server is named."""
        return boto3.client("s3")

    def start(
        self,
        *,
        content_type: str = "image/png",
        size: int = len(PNG),
        file_name: str = "diagram.png",
        role: str = "editor",
        task_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """POST .../attachments: ask for an upload form."""
        body = {"fileName": file_name, "contentType": content_type, "size": size}
        return self.api.call("POST", self.path(task_id), role, json_body=body, headers=headers)

    def send(self, upload: Mapping[str, Any], content: bytes, **changed_fields: str) -> requests.Response:
        """POST the file to the presigned form as a browser does: the fields first, the file last."""
        fields = {**upload["fields"], **changed_fields}
        return requests.post(upload["url"], data=fields, files={"file": ("upload", content)}, timeout=10)

    def attach(self, content: bytes, *, content_type: str = "image/png", **start: Any) -> dict[str, Any]:
        """Start an upload of ``content`` and send it; the pending attachment view."""
        started = self.start(content_type=content_type, size=len(content), **start)
        assert started.status == 201, started.body
        assert self.send(started.body["upload"], content).status_code == 204
        return dict(started.body["attachment"])

    def process(self, view_or_key: Mapping[str, Any] | str) -> dict[str, int]:
        """Run the uploads function on the ObjectCreated event S3 sends for the object now at the key
        (for a view: its upload key)."""
        return self.deliver(self.object_created_event(view_or_key))

    def deliver(self, event: Mapping[str, Any]) -> dict[str, int]:
        """Run the uploads function on ``event``; its count of outcomes."""
        return handler(dict(event), LambdaContextDouble())

    def object_created_event(self, view_or_key: Mapping[str, Any] | str) -> dict[str, Any]:
        """The event S3 sends for the current object at the key, in AWS's documented shape (version 2.1)."""
        key = view_or_key if isinstance(view_or_key, str) else upload_key(view_or_key)
        head = self.s3.head_object(Bucket=self.bucket, Key=key)
        stored = {
            "key": quote_plus(key, safe="/"),
            "size": head["ContentLength"],
            "eTag": head["ETag"].strip('"'),
            "sequencer": uuid.uuid4().hex[:18].upper(),
        }
        if head.get("VersionId") not in (None, "null"):
            stored["versionId"] = head["VersionId"]
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "eventName": "ObjectCreated:Post",
            "userIdentity": {"principalId": "AWS:AROAEXAMPLE:corkboard-api"},
            "requestParameters": {"sourceIPAddress": "203.0.113.10"},
            "responseElements": {"x-amz-request-id": uuid.uuid4().hex, "x-amz-id-2": uuid.uuid4().hex},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "attachments-uploaded",
                "bucket": {
                    "name": self.bucket,
                    "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                    "arn": f"arn:aws:s3:::{self.bucket}",
                },
                "object": stored,
            },
        }
        return {"Records": [record]}

    def listing(self, role: str = "viewer", task_id: str | None = None) -> list[dict[str, Any]]:
        """GET .../attachments (first page): the items."""
        response = self.api.call("GET", self.path(task_id), role)
        assert response.status == 200, response.body
        return list(response.body["items"])

    def only_item(self, role: str = "viewer") -> dict[str, Any]:
        [item] = self.listing(role)
        return item

    def object_versions(self, prefix: str = "") -> list[dict[str, Any]]:
        """Every object version and delete marker under ``prefix`` (by default, in the whole bucket)."""
        response = self.s3.list_object_versions(Bucket=self.bucket, Prefix=prefix)
        return [*response.get("Versions", []), *response.get("DeleteMarkers", [])]

    def path(self, task_id: str | None = None) -> str:
        return f"/boards/{self.board.board_id}/tasks/{task_id or self.board.task_id}/attachments"
