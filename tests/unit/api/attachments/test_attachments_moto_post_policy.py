"""What moto 5.2.5 enforces of a presigned POST's policy (nothing), and of a presigned GET (nothing either).

AWS refuses each upload below before storing it: a form whose signature does not match (403
SignatureDoesNotMatch), an expired form (403 "Policy expired"), a key or Content-Type other than
the policy's (403 "Policy Condition failed"), a file outside ``content-length-range`` (400
EntityTooLarge / EntityTooSmall), a form without a policy at all (403, the bucket is not public). moto
stores every one of them (moto/s3/responses.py, ``_bucket_response_post``, reads the form and calls
``put_object``). So the type and size rejections in test_attachments_processing.py upload the bad file
anyway and prove that the uploads function rejects and deletes it.

moto serves an expired or wrongly signed presigned GET as well (AWS: 403), so no test here relies on a
download link's expiry or signature.

If a case here starts failing after a moto upgrade, moto has begun enforcing that condition: move the
case to the enforced list in docs/api.md and let the processing test expect the refusal instead.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from upload_harness import PNG, Uploads, upload_key

from corkboard import attachment_bucket

Form = dict[str, Any]


def _signature_tampered(form: Form, key: str) -> tuple[Form, bytes, str]:
    return {**form, "x-amz-signature": "0" * 64}, PNG, key


def _key_changed(form: Form, key: str) -> tuple[Form, bytes, str]:
    return {**form, "key": f"{key}-elsewhere"}, PNG, f"{key}-elsewhere"


def _content_type_changed(form: Form, key: str) -> tuple[Form, bytes, str]:
    return {**form, "Content-Type": "text/html"}, PNG, key


def _larger_than_the_range(form: Form, key: str) -> tuple[Form, bytes, str]:
    return form, PNG + bytes(4096), key


def _smaller_than_the_range(form: Form, key: str) -> tuple[Form, bytes, str]:
    return form, PNG[:8], key


def _without_policy(form: Form, key: str) -> tuple[Form, bytes, str]:
    return {"key": form["key"], "Content-Type": form["Content-Type"]}, PNG, key


@pytest.mark.parametrize(
    "tamper",
    [
        _signature_tampered,
        _key_changed,
        _content_type_changed,
        _larger_than_the_range,
        _smaller_than_the_range,
        _without_policy,
    ],
    ids=lambda tamper: tamper.__name__.strip("_").replace("_", " "),
)
def test_moto_stores_an_upload_that_breaks_the_policy(
    uploads: Uploads, tamper: Callable[[Form, str], tuple[Form, bytes, str]]
) -> None:
    started = uploads.start()
    upload = started.body["upload"]
    fields, content, stored_at = tamper(upload["fields"], upload_key(started.body["attachment"]))

    response = requests.post(upload["url"], data=fields, files={"file": ("upload", content)}, timeout=10)

    assert response.status_code == 204
    assert uploads.s3.get_object(Bucket=uploads.bucket, Key=stored_at)["Body"].read() == content


def test_moto_stores_an_upload_through_an_expired_form(
    uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachment_bucket, "UPLOAD_URL_SECONDS", -60)
    started = uploads.start()

    response = uploads.send(started.body["upload"], PNG)

    assert response.status_code == 204
    assert uploads.object_versions() != []


def test_moto_stores_the_form_content_type_as_the_object_type(uploads: Uploads) -> None:
    started = uploads.start()

    uploads.send(started.body["upload"], PNG)

    stored = uploads.s3.head_object(Bucket=uploads.bucket, Key=upload_key(started.body["attachment"]))
    assert stored["ContentType"] == "image/png"
    assert stored["ContentLength"] == len(PNG)


@pytest.mark.parametrize("tampered", ["expired", "signature"])
def test_moto_serves_a_presigned_get_that_aws_refuses(uploads: Uploads, tampered: str) -> None:
    key = upload_key(uploads.attach(PNG))
    link = uploads.s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": uploads.bucket, "Key": key},
        ExpiresIn=-60 if tampered == "expired" else 60,
    )
    if tampered == "signature":
        link = re.sub(r"X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0" * 64, link)

    assert requests.get(link, timeout=10).content == PNG
