"""The attachments bucket: the only code that talks to S3.

Files never pass through Lambda: the API signs a POST form that lets the client upload one file of an
exact type and size to one (incoming) key for five minutes, and signs a GET that downloads a checked file
for five minutes from another (served) key. The uploads function reads what was uploaded, copies the
checked upload to the served key and deletes what must not stay; the delete services empty a task's or a
board's prefixes, every version of every object included.

The client is SigV4 (the only signature S3 accepts in newer regions, and the one that carries a Lambda
role's session token into the form) and honours ``AWS_ENDPOINT_URL``, as every boto3 client does, so the
same code runs against moto and the local cloud.

Example:
    >>> upload = AttachmentBucket().presign_upload("incoming/B/T/A", content_type="image/png", size=42)
    >>> upload.url, sorted(upload.fields)
    ('https://bucket.s3.amazonaws.com/', ['Content-Type', 'key', 'policy', 'x-amz-algorithm', ...])
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from corkboard import settings
from corkboard.file_names import content_disposition

__all__ = [
    "DOWNLOAD_URL_SECONDS",
    "UPLOAD_URL_SECONDS",
    "AttachmentBucket",
    "IncompleteDeletionError",
    "PresignedUpload",
    "StoredObject",
    "UploadReplacedError",
    "s3_client",
]

# Long enough to pick a file and send it on a slow link, short enough that a leaked form or link dies soon.
UPLOAD_URL_SECONDS = 5 * 60
DOWNLOAD_URL_SECONDS = 5 * 60
# DeleteObjects takes at most 1,000 keys per request.
_DELETE_BATCH = 1000
# "Nothing to delete": already gone, or replaced by a newer upload that has its own event.
_NOTHING_TO_DELETE = frozenset({"NoSuchKey", "PreconditionFailed", "404", "412"})
_MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
# A read or copy pinned to an ETag that the object at the key no longer has.
_REPLACED = frozenset({"PreconditionFailed", "412"})
_DENIED = frozenset({"AccessDenied", "403"})


@dataclass(frozen=True)
class PresignedUpload:
    """A browser-ready POST form: send ``fields`` as form fields, then the file as ``file``, to ``url``."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """What S3 recorded for the current object at a key (the ETag without its quotes)."""

    size: int
    content_type: str | None
    etag: str
    version_id: str | None


class UploadReplacedError(RuntimeError):
    """The upload that was checked is no longer at its key: deleted, or replaced by a later upload."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"The checked upload at {key} is gone or was replaced before it could be published; the later "
            "upload has an event of its own."
        )


class IncompleteDeletionError(RuntimeError):
    """S3 refused to delete some objects, so the records they belong to were kept for a retry to finish."""

    def __init__(self, prefix: str, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        super().__init__(
            f"{len(errors)} object version(s) under {prefix} could not be deleted "
            f"(first: {first.get('Key')}: {first.get('Code')}). The records were kept; retry the DELETE."
        )


@cache
def s3_client() -> Any:
    """The process-wide S3 client (region and endpoint from the environment, SigV4, standard retries)."""
    config = Config(signature_version="s3v4", retries={"mode": "standard"})
    return boto3.session.Session().client("s3", config=config)


class AttachmentBucket:
    """The bucket named by ``ATTACHMENTS_BUCKET_NAME`` (read on first use), or ``bucket_name``."""

    def __init__(self, bucket_name: str | None = None, client: Any = None) -> None:
        self._bucket_name = bucket_name
        self._client = client

    @cached_property
    def name(self) -> str:
        return self._bucket_name or settings.attachments_bucket_name()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = s3_client()
        return self._client

    def presign_upload(self, key: str, *, content_type: str, size: int) -> PresignedUpload:
        """A POST form whose signed policy pins the key, the exact Content-Type and the exact size.

        S3 refuses an upload that breaks any condition, or that arrives after :data:`UPLOAD_URL_SECONDS`.
        """
        expires_at = datetime.now(UTC) + timedelta(seconds=UPLOAD_URL_SECONDS)
        post = self.client.generate_presigned_post(
            Bucket=self.name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=UPLOAD_URL_SECONDS,
        )
        return PresignedUpload(post["url"], dict(post["fields"]), expires_at)

    def presign_download(self, key: str, *, file_name: str, content_type: str) -> str:
        """A GET link that makes the browser save the file (never render it) under its name and type."""
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.name,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition(file_name),
                    "ResponseContentType": content_type,
                },
                ExpiresIn=DOWNLOAD_URL_SECONDS,
            )
        )

    def describe(
        self, key: str, *, version_id: str | None = None, etag: str | None = None
    ) -> StoredObject | None:
        """Size, type, ETag and version of the current object at ``key``; None if there is none.

        Given a ``version_id`` and/or an ``etag``, exactly that object: None once it is gone or replaced.

        S3 answers a HEAD on a missing object with 404 only to a caller that may list the whole bucket; a
        role that may list only under a prefix gets 403, since ``s3:prefix`` does not apply to a HEAD. Such
        a 403 is settled by listing the key itself (its versions, given a ``version_id``), which that role
        may do: an object that is not there is None, and one that is there but refused is a fault, raised.
        """
        try:
            head = self.client.head_object(Bucket=self.name, Key=key, **_exactly(version_id, etag))
        except ClientError as error:
            code = _error_code(error)
            if (
                code in _MISSING
                or code in _REPLACED
                or (code in _DENIED and not self._lists(key, version_id))
            ):
                return None
            raise
        return StoredObject(
            size=int(head["ContentLength"]),
            content_type=head.get("ContentType"),
            etag=_unquoted(head["ETag"]),
            version_id=head.get("VersionId"),
        )

    def _lists(self, key: str, version_id: str | None) -> bool:
        """Whether a listing under ``key`` shows the object (that version of it, given ``version_id``)."""
        if version_id is None:
            # No key under the prefix ``key`` sorts before ``key`` itself, so one listed key settles it.
            listing = self.client.list_objects_v2(Bucket=self.name, Prefix=key, MaxKeys=1)
            return any(item["Key"] == key for item in listing.get("Contents", ()))
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.name, Prefix=key)
        return any(
            item["Key"] == key and item["VersionId"] == version_id
            for page in pages
            for item in page.get("Versions", ())
        )

    def read_start(self, key: str, *, etag: str, length: int, version_id: str | None = None) -> bytes:
        """The object's first ``length`` bytes; 412 (an error) if it is no longer the one with ``etag``."""
        response = self.client.get_object(
            Bucket=self.name, Key=key, Range=f"bytes=0-{length - 1}", **_exactly(version_id, etag)
        )
        with response["Body"] as body:
            return bytes(body.read())

    def publish(self, upload_key: str, served_key: str, *, version_id: str | None, etag: str) -> None:
        """Copy exactly the upload that was checked to the key that downloads are served from.

        The copy's source is pinned to the checked version (in a versioned bucket) and to the checked ETag
        (``x-amz-copy-source-if-match``), so a file posted later through the same upload form is never
        what gets copied: UploadReplacedError instead. The copy keeps the upload's Content-Type.
        """
        source = {"Bucket": self.name, "Key": upload_key, **({"VersionId": version_id} if version_id else {})}
        try:
            self.client.copy_object(
                Bucket=self.name, Key=served_key, CopySource=source, CopySourceIfMatch=_quoted(etag)
            )
        except ClientError as error:
            if _error_code(error) in _MISSING | _REPLACED:
                raise UploadReplacedError(upload_key) from error
            raise

    def delete_upload(self, key: str, *, version_id: str | None, etag: str) -> None:
        """Delete one uploaded object for good; harmless if it is already gone.

        With a version id, exactly that version goes, and never a newer one. Without (an unversioned
        bucket) the delete is conditioned on the ETag, so it never removes a newer upload to the same key.
        """
        target = {"VersionId": version_id} if version_id else {"IfMatch": _quoted(etag)}
        try:
            self.client.delete_object(Bucket=self.name, Key=key, **target)
        except ClientError as error:
            if _error_code(error) not in _NOTHING_TO_DELETE:
                raise

    def delete_everything_under(self, prefix: str) -> int:
        """Delete every version and delete marker under ``prefix``; return how many were deleted.

        IncompleteDeletionError if S3 refuses any of them (the rest of each batch is still deleted).
        """
        deleted = 0
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.name, Prefix=prefix)
        for page in pages:
            entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            # Slices, not itertools.batched: the code stays importable on Python 3.11.
            for start in range(0, len(entries), _DELETE_BATCH):
                batch = entries[start : start + _DELETE_BATCH]
                self._delete_batch(prefix, [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in batch])
                deleted += len(batch)
        return deleted

    def _delete_batch(self, prefix: str, objects: list[dict[str, str]]) -> None:
        response = self.client.delete_objects(Bucket=self.name, Delete={"Objects": objects, "Quiet": True})
        errors = response.get("Errors") or []
        if errors:
            raise IncompleteDeletionError(prefix, errors)


def _exactly(version_id: str | None, etag: str | None) -> dict[str, str]:
    """Request parameters that pin a read to one version and/or one ETag."""
    pinned = {"VersionId": version_id} if version_id else {}
    return pinned | ({"IfMatch": _quoted(etag)} if etag else {})


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _unquoted(etag: str) -> str:
    return etag.strip('"')


def _quoted(etag: str) -> str:
    return f'"{_unquoted(etag)}"'
