"""The embedded S3 answers browsers as the bucket's CORS rules say (issue 11, finding 2).

Measured before the middleware, with moto 5.2.5 alone: a preflight from any origin, for any method or
header, and for a bucket without CORS rules was answered 200, and every response reflected any Origin.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from event_source_doubles import unique_name
from fakes import REGION

from cdk_local_cloud.embedded_aws.s3_cors import CorsRule, matching_rule

ALLOWED = "http://localhost:5173"
REFUSED = "https://evil.example.com"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
# What SecureBucket configures for browser uploads (serverless_blocks/secure_bucket.py).
UPLOAD_RULE = {
    "AllowedOrigins": [ALLOWED],
    "AllowedMethods": ["POST", "PUT", "GET", "HEAD"],
    "AllowedHeaders": ["Content-Type", "Content-MD5"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3600,
}


def cors_headers(response: requests.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    }


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(s3: Any, moto_endpoint: str) -> Iterator[str]:
    name = unique_name("cors-bucket")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [UPLOAD_RULE]})
    yield name
    for version in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=version["Key"])
    s3.delete_bucket(Bucket=name)


def preflight(url: str, origin: str, method: str, headers: str | None = None) -> requests.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        request_headers["Access-Control-Request-Headers"] = headers
    return requests.options(url, headers=request_headers, timeout=30)


def test_a_preflight_the_rules_allow_gets_the_rules_headers(moto_endpoint: str, bucket: str) -> None:
    response = preflight(f"{moto_endpoint}/{bucket}", ALLOWED, "POST", "content-type")

    assert response.status_code == 200
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ALLOWED,
        "Access-Control-Allow-Methods": "POST, PUT, GET, HEAD",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Expose-Headers": "ETag",
        "Access-Control-Max-Age": "3600",
        "Access-Control-Allow-Credentials": "true",
        "Vary": VARY,
    }


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [(REFUSED, "POST", None), (ALLOWED, "DELETE", None), (ALLOWED, "PUT", "content-type, x-amz-meta-owner")],
    ids=["another-origin", "a-method-not-allowed", "a-header-not-allowed"],
)
def test_a_preflight_no_rule_allows_is_refused_with_403(
    moto_endpoint: str, bucket: str, origin: str, method: str, headers: str | None
) -> None:
    response = preflight(f"{moto_endpoint}/{bucket}/attachments/a", origin, method, headers)

    assert response.status_code == 403
    assert "<Code>AccessForbidden</Code>" in response.text
    assert "This CORS request is not allowed" in response.text
    assert "<ResourceType>OBJECT</ResourceType>" in response.text
    assert cors_headers(response) == {"Vary": VARY}


def test_a_bucket_without_cors_rules_refuses_every_preflight(moto_endpoint: str, s3: Any) -> None:
    name = unique_name("no-cors-bucket")
    s3.create_bucket(Bucket=name)

    response = preflight(f"{moto_endpoint}/{name}", ALLOWED, "POST")

    assert response.status_code == 403
    assert "CORS is not enabled for this bucket" in response.text
    s3.delete_bucket(Bucket=name)


def test_an_upload_form_post_carries_cors_headers_for_an_allowed_origin_only(
    moto_endpoint: str, bucket: str, s3: Any
) -> None:
    key = "attachments/board/task/file"
    form = s3.generate_presigned_post(Bucket=bucket, Key=key, Fields={"Content-Type": "text/plain"})
    for origin in (ALLOWED, REFUSED):
        posted = requests.post(
            form["url"],
            data=form["fields"],
            files={"file": ("notes.txt", b"notes\n", "text/plain")},
            headers={"Origin": origin},
            timeout=30,
        )
        # S3 carries out a cross-origin POST either way; CORS only decides whether the page may read it.
        assert posted.status_code == 204, posted.text
        expected = {"Access-Control-Allow-Origin": ALLOWED} if origin == ALLOWED else {}
        assert {
            name: value
            for name, value in cors_headers(posted).items()
            if name == "Access-Control-Allow-Origin"
        } == expected
        assert posted.headers["Vary"] == VARY
    download = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    allowed = requests.get(download, headers={"Origin": ALLOWED}, timeout=30)
    refused = requests.get(download, headers={"Origin": REFUSED}, timeout=30)
    assert (allowed.content, allowed.headers["Access-Control-Allow-Origin"]) == (b"notes\n", ALLOWED)
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    assert (refused.content, cors_headers(refused)) == (b"notes\n", {"Vary": VARY})


def test_without_an_origin_s3_answers_carry_no_cors_header(moto_endpoint: str, bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    download = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "plain"})

    response = requests.get(download, timeout=30)

    assert response.content == b"x"
    assert cors_headers(response) == {}


def test_the_rules_are_read_when_asked_so_a_changed_rule_applies_at_once(
    moto_endpoint: str, bucket: str, s3: Any
) -> None:
    url = f"{moto_endpoint}/{bucket}"
    assert preflight(url, REFUSED, "POST").status_code == 403
    s3.put_bucket_cors(
        Bucket=bucket, CORSConfiguration={"CORSRules": [{**UPLOAD_RULE, "AllowedOrigins": [REFUSED]}]}
    )
    assert preflight(url, REFUSED, "POST").status_code == 200


def test_the_first_matching_rule_answers_and_wildcards_match_origins_and_headers() -> None:
    rules = (
        CorsRule(allowed_origins=("https://*.example.com",), allowed_methods=("GET",), max_age_seconds=10),
        CorsRule(allowed_origins=("*",), allowed_methods=("GET", "PUT"), allowed_headers=("x-amz-*",)),
    )
    assert matching_rule(rules, "https://app.example.com", "GET") is rules[0]
    assert matching_rule(rules, "https://example.org", "GET") is rules[1]
    assert matching_rule(rules, "https://app.example.com", "PUT", ["X-Amz-Meta-Owner"]) is rules[1]
    assert matching_rule(rules, "https://app.example.com", "PUT", ["content-type"]) is None
    assert matching_rule(rules, "https://app.example.com", "DELETE") is None
    assert dict(rules[1].response_headers("https://example.org", ()))["Access-Control-Allow-Origin"] == "*"


def test_other_services_keep_moto_s_answers(moto_endpoint: str) -> None:
    response = requests.post(
        moto_endpoint,
        headers={"Origin": REFUSED, "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools"},
        data="{}",
        timeout=30,
    )
    # Cognito's public endpoints answer browsers on every origin; moto does the same.
    assert response.headers["Access-Control-Allow-Origin"] == REFUSED
