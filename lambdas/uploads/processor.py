"""Uploaded files to settled attachment records. Entry point: ``uploads.processor.handler``.

Each record names one uploaded object; :mod:`corkboard.services.uploads` checks it, publishes it, and
settles, discards or leaves its attachment. Any error fails the invocation: S3 invokes asynchronously,
so Lambda retries the event, then sends it to the on-failure queue. Records already handled are handled
again on a retry, which is safe because every outcome is idempotent.
"""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from corkboard.observability import logger, tracer
from corkboard.services.uploads import Outcome, Upload, process

__all__ = ["handler"]

# Outcomes an operator may want to look into: something other than the API's own client sent a file.
_WORTH_A_WARNING = frozenset({Outcome.ORPHAN, Outcome.DISCARDED, Outcome.GONE})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    """Process every uploaded object; answer how many ended in each outcome."""
    outcomes: dict[str, int] = {}
    for record in event.records:
        uploaded = record.s3.get_object
        # The event carries the key URL-encoded (a space arrives as "+").
        upload = Upload(key=unquote_plus(uploaded.key), version_id=uploaded.version_id, etag=uploaded.etag)
        outcome = process(upload)
        log = logger.warning if outcome in _WORTH_A_WARNING else logger.info
        log(f"upload {outcome.value}", extra={"key": upload.key, "version_id": upload.version_id})
        outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
    return outcomes
