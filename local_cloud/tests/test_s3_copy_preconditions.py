"""The embedded S3 refuses a copy whose source fails ``x-amz-copy-source-if-match``, as S3 does (412).

Measured with moto 5.2.5 alone: the header was ignored, and the copy took whatever object was at the source
key, so the second test's copy pinned to the first upload's ETag copied the second upload.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from event_source_doubles import unique_name
from fakes import REGION

SOURCE = "incoming/upload"
TARGET = "attachments/served"


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(params=[False, True], ids=["unversioned", "versioned"])
def bucket(s3: Any, request: pytest.FixtureRequest) -> Iterator[str]:
    name = unique_name("copy-bucket")
    s3.create_bucket(Bucket=name)
    if request.param:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    listed = s3.list_object_versions(Bucket=name)
    for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
        s3.delete_object(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"])
    s3.delete_bucket(Bucket=name)


def _put(s3: Any, bucket: str, body: bytes) -> dict[str, Any]:
    return dict(s3.put_object(Bucket=bucket, Key=SOURCE, Body=body))


def test_a_copy_pinned_to_the_current_etag_is_made(s3: Any, bucket: str) -> None:
    etag = _put(s3, bucket, b"checked")["ETag"]

    s3.copy_object(
        Bucket=bucket, Key=TARGET, CopySource={"Bucket": bucket, "Key": SOURCE}, CopySourceIfMatch=etag
    )

    assert s3.get_object(Bucket=bucket, Key=TARGET)["Body"].read() == b"checked"


def test_a_copy_pinned_to_a_replaced_etag_is_refused_and_copies_nothing(s3: Any, bucket: str) -> None:
    checked = _put(s3, bucket, b"checked")["ETag"]
    _put(s3, bucket, b"replaced")

    with pytest.raises(ClientError) as refused:
        s3.copy_object(
            Bucket=bucket, Key=TARGET, CopySource={"Bucket": bucket, "Key": SOURCE}, CopySourceIfMatch=checked
        )

    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=TARGET)


@pytest.mark.parametrize("bucket", [True], ids=["versioned"], indirect=True)
def test_a_copy_of_an_older_version_checks_that_version_s_etag(s3: Any, bucket: str) -> None:
    first = _put(s3, bucket, b"checked")
    _put(s3, bucket, b"replaced")
    source = {"Bucket": bucket, "Key": SOURCE, "VersionId": first["VersionId"]}

    s3.copy_object(Bucket=bucket, Key=TARGET, CopySource=source, CopySourceIfMatch=first["ETag"])

    assert s3.get_object(Bucket=bucket, Key=TARGET)["Body"].read() == b"checked"
