"""Completes moto's S3 event records into the records that S3 sends to a function.

moto 5.2.5 sends a record without ``sequencer``, ``versionId``, ``userIdentity``, ``requestParameters``,
``responseElements`` and the bucket's ``ownerIdentity``, and encodes the whole key, ``/`` included
(``quote_plus``); S3 keeps ``/`` as it is. Handlers and parsers (Powertools' ``S3Model``) expect S3's form.
"""

import copy
import itertools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus, unquote_plus

__all__ = ["S3RecordCompleter", "decoded_key"]

_LOCAL_SOURCE_IP = "127.0.0.1"


def decoded_key(record: Mapping[str, Any]) -> str:
    """The object key of an S3 event record, as the object is named."""
    return unquote_plus(record["s3"]["object"]["key"])


def _request_id() -> str:
    return uuid.uuid4().hex[:16].upper()


class S3RecordCompleter:
    """Fills in what moto leaves out; ``sequencer`` grows with every event, as S3's does for one key."""

    def __init__(self, account_id: str) -> None:
        self._account_id = account_id
        self._sequencers = itertools.count(1)

    def complete(
        self, record: Mapping[str, Any], configuration_ids: Sequence[str], version_id: str | None
    ) -> list[dict[str, Any]]:
        """One record per matching notification configuration, all of the same event (same sequencer)."""
        completed: dict[str, Any] = copy.deepcopy(dict(record))
        s3 = completed["s3"]
        s3["bucket"].setdefault("ownerIdentity", {"principalId": self._account_id})
        s3_object = s3["object"]
        s3_object["key"] = quote_plus(decoded_key(record), safe="/")
        s3_object["sequencer"] = f"{next(self._sequencers):018X}"
        if version_id is not None:
            s3_object["versionId"] = version_id
        completed.setdefault("userIdentity", {"principalId": f"AWS:{self._account_id}"})
        completed.setdefault("requestParameters", {"sourceIPAddress": _LOCAL_SOURCE_IP})
        completed.setdefault(
            "responseElements", {"x-amz-request-id": _request_id(), "x-amz-id-2": _request_id()}
        )
        return [_with_configuration(completed, configuration_id) for configuration_id in configuration_ids]


def _with_configuration(record: Mapping[str, Any], configuration_id: str) -> dict[str, Any]:
    copied: dict[str, Any] = copy.deepcopy(dict(record))
    copied["s3"]["configurationId"] = configuration_id
    return copied
