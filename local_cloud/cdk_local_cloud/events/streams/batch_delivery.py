"""Delivers one batch of stream records to its function with Lambda's error handling for streams.

The order of the rules follows Lambda: records older than ``MaximumRecordAgeInSeconds`` are given up on before
each attempt; a partial batch response (``ReportBatchItemFailures``) retries from the failed record with the
lowest sequence number; a failed invocation is split in two halves with ``BisectBatchOnFunctionError``
(splitting does not use up a retry, so a bad record ends up alone); a piece that has used
``MaximumRetryAttempts`` goes to the on-failure destination as metadata, and the shard moves on.
"""

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionInvoker, InvocationResult
from cdk_local_cloud.events.delivery.destination_records import StreamBatchFailure, stream_failure_record
from cdk_local_cloud.events.delivery.destinations import DestinationSender
from cdk_local_cloud.events.delivery.guarded_invoke import invoke_guarded
from cdk_local_cloud.events.streams.mapping_config import StreamMappingConfig

__all__ = ["BatchDelivery"]

logger = logging.getLogger(__name__)

RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"

_Record = Mapping[str, Any]


@dataclass(frozen=True)
class _Piece:
    """Records still to deliver, with what happened to them so far (for the failure record)."""

    records: Sequence[_Record]
    retries: int = 0
    invocations: int = 0
    last_result: InvocationResult | None = None
    request_id: str = ""


@dataclass(frozen=True)
class _Verdict:
    """Which record to retry from (None: all done) and whether the invocation failed as a whole."""

    retry_from: int | None
    whole_batch: bool = False
    reason: str = ""


def _sequence_number(record: _Record) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


class BatchDelivery:
    """Delivers batches of one shard of one mapping; ``deliver`` returns when the batch is done or given
    up on, or at once when ``stopping`` is set (the records in flight are then dropped)."""

    def __init__(
        self,
        config: StreamMappingConfig,
        invoker: FunctionInvoker,
        sender: DestinationSender,
        shard_id: str,
        stopping: threading.Event,
    ) -> None:
        self._config = config
        self._invoker = invoker
        self._sender = sender
        self._shard_id = shard_id
        self._stopping = stopping

    def deliver(self, records: Sequence[_Record]) -> None:
        pending = deque([_Piece(records)])
        while pending and not self._stopping.is_set():
            piece = self._without_expired(pending.popleft())
            if piece.records:
                pending.extendleft(reversed(self._attempt(piece)))

    def _attempt(self, piece: _Piece) -> list[_Piece]:
        """Invokes the function once with ``piece``; returns what remains to deliver, in order."""
        request_id = str(uuid.uuid4())
        result = invoke_guarded(self._invoker, self._config.function.name, {"Records": list(piece.records)})
        verdict = self._verdict(piece.records, result)
        if verdict.retry_from is None:
            return []
        remaining = _Piece(
            records=piece.records[verdict.retry_from :],
            retries=piece.retries,
            invocations=piece.invocations + 1,
            last_result=result,
            request_id=request_id,
        )
        if verdict.whole_batch and self._config.bisect_on_error and len(remaining.records) > 1:
            return self._bisect(remaining, verdict.reason)
        if self._config.retry.exhausted(piece.retries):
            self._give_up(remaining, RETRIES_EXHAUSTED, verdict.reason)
            return []
        return self._retry_later(remaining, verdict.reason)

    def _bisect(self, piece: _Piece, reason: str) -> list[_Piece]:
        middle = len(piece.records) // 2
        self._log_failure(piece, reason, f"splitting it into {middle} and {len(piece.records) - middle}")
        return [
            replace(piece, records=piece.records[:middle]),
            replace(piece, records=piece.records[middle:]),
        ]

    def _retry_later(self, piece: _Piece, reason: str) -> list[_Piece]:
        retry_number = piece.retries + 1
        delay = self._config.retry.delay_before(retry_number)
        limit = self._config.retry.max_retries
        of_limit = "unlimited" if limit is None else str(limit)
        self._log_failure(piece, reason, f"retry {retry_number} of {of_limit} in {delay:.1f}s")
        if self._stopping.wait(delay):
            return []
        return [replace(piece, retries=retry_number)]

    def _verdict(self, records: Sequence[_Record], result: InvocationResult) -> _Verdict:
        if result.error is not None:
            return _Verdict(0, whole_batch=True, reason=f"{result.error.error_type}: {result.error.message}")
        if not self._config.report_batch_item_failures or not isinstance(result.payload, Mapping):
            return _Verdict(None)
        failures = result.payload.get("batchItemFailures")
        if not failures:
            return _Verdict(None)
        positions = {_sequence_number(record): index for index, record in enumerate(records)}
        identifiers = [
            failure.get("itemIdentifier") if isinstance(failure, Mapping) else None for failure in failures
        ]
        if any(identifier not in positions for identifier in identifiers):
            # Lambda counts a report that names no record of the batch as a failure of the whole batch.
            return _Verdict(0, whole_batch=True, reason=f"invalid batchItemFailures {failures!r}")
        first = min(positions[identifier] for identifier in identifiers)
        return _Verdict(first, reason=f"it reported {len(identifiers)} failed item(s) from {identifiers[0]}")

    def _without_expired(self, piece: _Piece) -> _Piece:
        max_age = self._config.max_record_age
        if max_age is None:
            return piece
        oldest_allowed = time.time() - max_age
        is_expired = [
            record["dynamodb"]["ApproximateCreationDateTime"] < oldest_allowed for record in piece.records
        ]
        if not any(is_expired):
            return piece
        expired = [record for record, old in zip(piece.records, is_expired, strict=True) if old]
        kept = [record for record, old in zip(piece.records, is_expired, strict=True) if not old]
        self._give_up(
            replace(piece, records=expired), RECORD_AGE_EXCEEDED, "older than MaximumRecordAgeInSeconds"
        )
        return replace(piece, records=kept)

    def _give_up(self, piece: _Piece, condition: str, reason: str) -> None:
        destination = self._config.on_failure
        where = f"sent to {destination}" if destination else "discarded"
        self._log_failure(piece, reason, f"giving up ({condition}), {where}")
        if destination is None:
            return
        failure = StreamBatchFailure(
            condition=condition,
            records=piece.records,
            shard_id=self._shard_id,
            stream_arn=self._config.stream_arn,
            invoke_count=piece.invocations,
            request_id=piece.request_id or str(uuid.uuid4()),
            last_result=piece.last_result,
        )
        document = stream_failure_record(failure, self._config.function.arn, datetime.now(UTC))
        self._sender.send(destination, document, about=self._config.function.name)

    def _log_failure(self, piece: _Piece, reason: str, next_step: str) -> None:
        records = piece.records
        logger.warning(
            "%s: %d stream record(s) %s..%s of %s failed (%s); %s.",
            self._config.function.name,
            len(records),
            _sequence_number(records[0]),
            _sequence_number(records[-1]),
            self._config.label,
            reason,
            next_step,
        )
