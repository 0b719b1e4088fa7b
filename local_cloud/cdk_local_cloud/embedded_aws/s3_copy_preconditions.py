"""moto's CopyObject, made to honour the copy source's ETag preconditions as S3 does.

Measured on moto 5.2.5 (``S3Response.copy_object``): ``x-amz-copy-source-if-none-match`` is checked, but
``x-amz-copy-source-if-match`` is ignored, so a copy pinned to one ETag copies whatever object is at the
key now. S3 answers 412 PreconditionFailed instead, and code that relies on it (copy exactly the object
that was checked, never a newer upload to the same key) would pass against AWS and fail here, or worse,
pass here for the wrong reason.

:func:`install_copy_source_preconditions` wraps the method once per process: it looks the source object
up as moto does (bucket, key and ``versionId`` of ``x-amz-copy-source``) and refuses the copy when the
ETag differs; everything else is moto's own code. Nothing in moto does this, so it is written here.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from moto.s3.exceptions import PreconditionFailed
from moto.s3.responses import S3Response

__all__ = ["install_copy_source_preconditions"]

_IF_MATCH = "x-amz-copy-source-if-match"
_INSTALLED_MARK = "_emulator_copy_source_if_match"


def install_copy_source_preconditions() -> None:
    """Make this process's moto refuse a copy whose source fails its If-Match; calling again does nothing."""
    if getattr(S3Response.copy_object, _INSTALLED_MARK, False):
        return
    S3Response.copy_object = _checking_if_match(S3Response.copy_object)  # type: ignore[method-assign]


def _checking_if_match(copy_object: Callable[[S3Response], Any]) -> Callable[[S3Response], Any]:
    @wraps(copy_object)
    def checked(response: S3Response) -> Any:
        wanted = response.headers.get(_IF_MATCH)
        if wanted:
            source = _source_object(response)
            # A missing source is left to moto, which answers NoSuchKey or NoSuchVersion as S3 does.
            if source is not None and source.etag.strip('"') != str(wanted).strip('"'):
                raise PreconditionFailed(failed_condition="x-amz-copy-source-If-Match")
        return copy_object(response)

    setattr(checked, _INSTALLED_MARK, True)
    return checked


def _source_object(response: S3Response) -> Any:
    """The object ``x-amz-copy-source`` names, read the way moto's own ``copy_object`` reads it."""
    copy_source = response.headers.get("x-amz-copy-source")
    if isinstance(copy_source, bytes):
        copy_source = copy_source.decode("utf-8")
    parsed = urlparse(str(copy_source))
    bucket, key = unquote(parsed.path).lstrip("/").split("/", 1)
    version_id = parse_qs(parsed.query).get("versionId", [None])[0]
    return response.backend.get_object(bucket, key, version_id=version_id)
