"""S3: object calls need their action on the object ARN, bucket calls on the bucket ARN.

Many S3 operations share the name of their IAM action; the tables hold only those that do not.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]

_BUCKET_ACTIONS = {
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketTagging": "PutBucketTagging",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
}
_OBJECT_ACTIONS = {
    "HeadObject": "GetObject",
    "SelectObjectContent": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "ListParts": "ListMultipartUploadParts",
}
# Given a VersionId, these act on one version and need the ...ObjectVersion... action instead.
_VERSIONED_ACTIONS = frozenset(
    {
        "GetObject",
        "DeleteObject",
        "GetObjectAcl",
        "PutObjectAcl",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObjectTagging",
        "GetObjectAttributes",
    }
)
_COPY_OPERATIONS = frozenset({"CopyObject", "UploadPartCopy"})


def iam_requests(call: ApiCall) -> list[IamRequest]:
    params = call.params
    if call.operation == "ListBuckets":
        return call.on_any_resource("ListAllMyBuckets")
    if call.operation == "DeleteObjects":
        return [
            _object_request(call, "DeleteObject", params["Bucket"], item["Key"], item.get("VersionId"))
            for item in params.get("Delete", {}).get("Objects", [])
        ]
    if call.operation in _COPY_OPERATIONS:
        return [
            _object_request(call, "PutObject", params["Bucket"], params["Key"], None),
            _object_request(call, "GetObject", *_copy_source(params["CopySource"])),
        ]
    if "Bucket" not in params:
        return call.on_any_resource()
    if "Key" not in params:
        action = call.action(_BUCKET_ACTIONS.get(call.operation, call.operation))
        return [IamRequest(action, _bucket_arn(call, params["Bucket"]))]
    action_name = _OBJECT_ACTIONS.get(call.operation, call.operation)
    return [_object_request(call, action_name, params["Bucket"], params["Key"], params.get("VersionId"))]


def _object_request(
    call: ApiCall, action_name: str, bucket: str, key: str, version: str | None
) -> IamRequest:
    if version and action_name in _VERSIONED_ACTIONS:
        action_name = action_name.replace("Object", "ObjectVersion", 1)
    return IamRequest(call.action(action_name), _object_arn(call, bucket, key))


def _bucket_arn(call: ApiCall, bucket: str) -> str:
    """A bucket, or an access point given by its ARN in place of the bucket name."""
    return bucket if bucket.startswith("arn:") else call.arn("s3", bucket, regional=False)


def _object_arn(call: ApiCall, bucket: str, key: str) -> str:
    if bucket.startswith("arn:"):
        return f"{bucket}/object/{key}"
    return call.arn("s3", f"{bucket}/{key}", regional=False)


def _copy_source(source: str | Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(bucket, key, version) of a CopySource: a dict, or the ``bucket/quoted-key?versionId=v`` string."""
    if not isinstance(source, str):
        return source["Bucket"], source["Key"], source.get("VersionId")
    path, _, version = source.partition("?versionId=")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    return bucket, key, version or None
