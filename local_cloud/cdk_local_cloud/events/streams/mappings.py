"""Polls the DynamoDB stream of each stream event source mapping and delivers its records as Lambda does.

Like Lambda, each shard has its own poller (records of a shard are delivered in order, shards in parallel),
and a child shard is read only once its parent is finished. Within a shard, records pass the mapping's
filters, then gather into a batch until ``BatchSize`` or ``MaximumBatchingWindowInSeconds`` is reached. An
idle poller reads again as soon as moto adds a record to its stream
(:mod:`cdk_local_cloud.embedded_aws.stream_write_notices`), not after its back-off.
"""

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cdk_local_cloud.contracts.invocation import FunctionInvoker
from cdk_local_cloud.embedded_aws.stream_write_notices import stop_watching_stream, watch_stream
from cdk_local_cloud.events.delivery.batching_window import BatchingWindow
from cdk_local_cloud.events.delivery.destinations import DestinationSender
from cdk_local_cloud.events.polling_thread import PollingPace, PollingThread, StepOutcome
from cdk_local_cloud.events.streams.batch_delivery import BatchDelivery
from cdk_local_cloud.events.streams.mapping_config import StreamMappingConfig
from cdk_local_cloud.events.streams.records import lambda_stream_record
from cdk_local_cloud.events.streams.shard_reader import ShardReader

__all__ = ["StreamMapping"]

logger = logging.getLogger(__name__)

# GetRecords returns at most this many records per call, whatever the mapping's BatchSize.
_GET_RECORDS_LIMIT = 1000


class _ShardPoller:
    """Reads one shard, batches its records and hands each batch to a ``BatchDelivery``."""

    def __init__(
        self,
        config: StreamMappingConfig,
        reader: ShardReader,
        delivery: BatchDelivery,
        on_closed: Callable[[str], None],
    ) -> None:
        self._config = config
        self._reader = reader
        self._delivery = delivery
        self._on_closed = on_closed
        self._batch = BatchingWindow(batch_size=config.batch_size, window_seconds=config.batching_window)

    def step(self) -> StepOutcome:
        limit = min(self._batch.room, _GET_RECORDS_LIMIT)
        fetched = self._reader.read(limit)
        converted = (lambda_stream_record(record, self._config.stream_arn) for record in fetched)
        self._batch.add([record for record in converted if self._config.record_filter.accepts(record)])
        if self._reader.closed:
            self._flush()
            self._on_closed(self._reader.shard_id)
            return StepOutcome.IDLE
        if self._batch.ready():
            self._flush()
            return StepOutcome.BUSY
        if fetched:
            return StepOutcome.BUSY
        return StepOutcome.WAITING if self._batch else StepOutcome.IDLE

    def _flush(self) -> None:
        batch = self._batch.take()
        if batch:
            self._delivery.deliver(batch)


class StreamMapping:
    """One DynamoDB stream mapping: discovers the shards and runs a poller thread per readable shard."""

    def __init__(
        self,
        config: StreamMappingConfig,
        invoker: FunctionInvoker,
        sender: DestinationSender,
        streams_client: Any,
        pace: PollingPace,
    ) -> None:
        self._config = config
        self._invoker = invoker
        self._sender = sender
        self._client = streams_client
        self._pace = pace
        self._lock = threading.Lock()
        self._threads: dict[str, PollingThread] = {}
        self._wake_ups: dict[str, threading.Event] = {}
        self._closed = False

    def start(self) -> None:
        """Takes the starting positions now, so that writes made after ``start`` returns are delivered."""
        shards = list(self._shards())
        known = {shard["ShardId"] for shard in shards}
        for shard in shards:
            if self._config.starting_position == "LATEST":
                if "EndingSequenceNumber" not in shard["SequenceNumberRange"]:
                    self._start_shard(shard["ShardId"], "LATEST")
            elif shard.get("ParentShardId") not in known:
                self._start_shard(shard["ShardId"], "TRIM_HORIZON")
        logger.info(
            "%s: delivering %s to %s (%d shard(s)).",
            self._config.label,
            self._config.stream_arn,
            self._config.function.name,
            len(self._threads),
        )

    def close(self) -> None:
        """Stops every shard poller, after the invocation it may be waiting for."""
        with self._lock:
            self._closed = True
            shard_ids = list(self._threads)
        for shard_id in shard_ids:
            self._stop_shard(shard_id)
        for shard_id in shard_ids:
            self._threads[shard_id].join()

    def _shards(self) -> Iterator[Mapping[str, Any]]:
        request: dict[str, str] = {"StreamArn": self._config.stream_arn}
        while True:
            description = self._client.describe_stream(**request)["StreamDescription"]
            yield from description.get("Shards", [])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return
            request["ExclusiveStartShardId"] = last

    def _start_shard(self, shard_id: str, iterator_type: str) -> None:
        stopping = threading.Event()
        wake_up = threading.Event()
        reader = ShardReader(self._client, self._config.stream_arn, shard_id, iterator_type)
        delivery = BatchDelivery(self._config, self._invoker, self._sender, shard_id, stopping)
        poller = _ShardPoller(self._config, reader, delivery, self._start_children)
        thread = PollingThread(
            f"events {self._config.function.name} {shard_id}",
            poller.step,
            self._pace,
            stopping,
            wake_up=wake_up,
        )
        with self._lock:
            if self._closed or shard_id in self._threads:
                return
            self._threads[shard_id] = thread
            self._wake_ups[shard_id] = wake_up
        watch_stream(self._config.stream_arn, wake_up)
        thread.start()

    def _stop_shard(self, shard_id: str) -> None:
        self._threads[shard_id].stop()
        stop_watching_stream(self._config.stream_arn, self._wake_ups[shard_id])

    def _start_children(self, parent_shard_id: str) -> None:
        """Called by a shard's poller once it read its closed shard to the end."""
        self._stop_shard(parent_shard_id)
        for shard in self._shards():
            if shard.get("ParentShardId") == parent_shard_id:
                self._start_shard(shard["ShardId"], "TRIM_HORIZON")
