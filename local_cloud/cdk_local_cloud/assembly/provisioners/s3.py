"""S3 buckets on moto with the template's versioning, CORS, lifecycle, encryption, access block and tags.

Bucket policies are recorded but not put on moto: moto evaluates a bucket policy without its Conditions,
so the TLS-only Deny that CDK adds (``aws:SecureTransport: false``) would refuse every request that
reaches the local cloud over plain HTTP.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from cdk_local_cloud.assembly.provisioners.api_arguments import call_api, renamed, tag_list
from cdk_local_cloud.assembly.provisioners.request import (
    Provisioned,
    Provisioner,
    ProvisionRequest,
    recorded_only,
)

__all__ = ["PROVISIONERS"]

logger = logging.getLogger(__name__)

_Configure = Callable[[Any, str, Any], None]


def _bucket(request: ProvisionRequest) -> Provisioned:
    client = request.client("s3")
    name = request.name("BucketName", max_length=63, lowercase=True)
    location = {} if request.region == "us-east-1" else {"LocationConstraint": request.region}
    client.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    for property_name, configure in _CONFIGURATIONS.items():
        if property_name in request.properties:
            configure(client, name, request.properties[property_name])
    return Provisioned(
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{request.region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{request.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{request.region}.amazonaws.com",
        },
    )


def _versioning(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    call_api(client, "PutBucketVersioning", {"Bucket": bucket, "VersioningConfiguration": configuration})


def _cors(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    rules = [
        renamed(rule, {"Id": "ID", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"})
        for rule in configuration.get("CorsRules", ())
    ]
    call_api(client, "PutBucketCors", {"Bucket": bucket, "CORSConfiguration": {"CORSRules": rules}})


def _lifecycle(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    rules = [_lifecycle_rule(rule) for rule in configuration.get("Rules", ())]
    try:
        call_api(
            client,
            "PutBucketLifecycleConfiguration",
            {"Bucket": bucket, "LifecycleConfiguration": {"Rules": rules}},
        )
    except ClientError as error:
        # Lifecycle rules never change what a request returns, so moto refusing them is no reason to stop.
        logger.warning(
            "local cloud: bucket %s keeps no lifecycle rules; moto refused them: %s", bucket, error
        )


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's flat lifecycle rule in the API's nested form (the prefix filter only)."""
    expiration = {
        api_name: rule[name]
        for name, api_name in (
            ("ExpirationInDays", "Days"),
            ("ExpirationDate", "Date"),
            ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"),
        )
        if name in rule
    }
    api_rule: dict[str, Any] = {
        "ID": rule.get("Id"),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
        "Expiration": expiration or None,
        "AbortIncompleteMultipartUpload": rule.get("AbortIncompleteMultipartUpload"),
        "NoncurrentVersionExpiration": rule.get("NoncurrentVersionExpiration")
        or _days("NoncurrentDays", rule.get("NoncurrentVersionExpirationInDays")),
        "Transitions": [
            renamed(transition, {"TransitionInDays": "Days", "TransitionDate": "Date"})
            for transition in rule.get("Transitions", ())
        ]
        or None,
    }
    return {key: value for key, value in api_rule.items() if value is not None}


def _days(key: str, days: Any) -> dict[str, Any] | None:
    return None if days is None else {key: days}


def _encryption(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    rules = [
        renamed(rule, {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"})
        for rule in configuration.get("ServerSideEncryptionConfiguration", ())
    ]
    call_api(
        client,
        "PutBucketEncryption",
        {"Bucket": bucket, "ServerSideEncryptionConfiguration": {"Rules": rules}},
    )


def _public_access_block(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    call_api(
        client, "PutPublicAccessBlock", {"Bucket": bucket, "PublicAccessBlockConfiguration": configuration}
    )


def _ownership_controls(client: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    call_api(client, "PutBucketOwnershipControls", {"Bucket": bucket, "OwnershipControls": configuration})


def _tags(client: Any, bucket: str, tags: Any) -> None:
    call_api(client, "PutBucketTagging", {"Bucket": bucket, "Tagging": {"TagSet": tag_list(tags)}})


_CONFIGURATIONS: Mapping[str, _Configure] = {
    "VersioningConfiguration": _versioning,
    "CorsConfiguration": _cors,
    "LifecycleConfiguration": _lifecycle,
    "BucketEncryption": _encryption,
    "PublicAccessBlockConfiguration": _public_access_block,
    "OwnershipControls": _ownership_controls,
    "Tags": _tags,
}

PROVISIONERS: Mapping[str, Provisioner] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": recorded_only,
}
