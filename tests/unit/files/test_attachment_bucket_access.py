"""What the uploads function sees when an object is gone, with a listing grant that stays inside the prefix.

S3 answers a HEAD on a missing key with 403 to a role that may list only under a prefix, so the bucket
tells "gone" from "refused" by listing the key itself. moto always answers 404, so S3 is stubbed here.
"""

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from corkboard.attachment_bucket import AttachmentBucket

BUCKET = "attachments-bucket"
KEY = "incoming/B1/T1/A1"
VERSION = "v2"


@pytest.fixture
def stubbed() -> Iterator[tuple[AttachmentBucket, Stubber]]:
    client = boto3.client("s3", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield AttachmentBucket(BUCKET, client=client), stubber
        stubber.assert_no_pending_responses()


def _head_answers(stubber: Stubber, status: int, **exactly: str) -> None:
    stubber.add_client_error(
        "head_object",
        service_error_code=str(status),
        http_status_code=status,
        expected_params={"Bucket": BUCKET, "Key": KEY, **exactly},
    )


def _listing_shows(stubber: Stubber, *keys: str) -> None:
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": key} for key in keys], "KeyCount": len(keys)},
        {"Bucket": BUCKET, "Prefix": KEY, "MaxKeys": 1},
    )


def test_a_403_for_a_key_that_is_not_listed_means_the_object_is_gone(
    stubbed: tuple[AttachmentBucket, Stubber],
) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 403)
    _listing_shows(stubber)

    assert bucket.describe(KEY) is None


def test_a_longer_key_under_the_same_prefix_is_not_the_object(
    stubbed: tuple[AttachmentBucket, Stubber],
) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 403)
    _listing_shows(stubber, f"{KEY}0")

    assert bucket.describe(KEY) is None


def test_a_403_for_a_key_that_is_there_is_a_real_fault(stubbed: tuple[AttachmentBucket, Stubber]) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 403)
    _listing_shows(stubber, KEY)

    with pytest.raises(ClientError):
        bucket.describe(KEY)


def test_a_404_needs_no_listing(stubbed: tuple[AttachmentBucket, Stubber]) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 404)

    assert bucket.describe(KEY) is None


def _versions_show(stubber: Stubber, *versions: str) -> None:
    stubber.add_response(
        "list_object_versions",
        {"Versions": [{"Key": KEY, "VersionId": version} for version in versions], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": KEY},
    )


def test_a_403_for_a_version_that_is_no_longer_listed_means_it_is_gone(
    stubbed: tuple[AttachmentBucket, Stubber],
) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 403, VersionId=VERSION)
    _versions_show(stubber, "v3")  # a newer upload through the same form is there, this one is not

    assert bucket.describe(KEY, version_id=VERSION) is None


def test_a_403_for_a_version_that_is_listed_is_a_real_fault(
    stubbed: tuple[AttachmentBucket, Stubber],
) -> None:
    bucket, stubber = stubbed
    _head_answers(stubber, 403, VersionId=VERSION)
    _versions_show(stubber, "v3", VERSION)

    with pytest.raises(ClientError):
        bucket.describe(KEY, version_id=VERSION)
