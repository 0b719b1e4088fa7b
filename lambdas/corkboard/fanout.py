"""Sending one thing to many connections at once, with a bound on how many sends are in flight.

A post to a connection is a network round trip that mostly waits, so sends run on a pool of
``concurrency`` threads: 1,000 subscribers then cost about 1,000 / concurrency round trips of wall time
instead of 1,000. Every send ends in one of three outcomes, reported per connection: delivered, gone (the
send raised :class:`~corkboard.management_api.ConnectionGoneError`) or failed (it raised anything else).

Example:
    >>> report = fan_out(["c1", "c2"], lambda connection_id: api.post(connection_id, payload), concurrency=32)
    >>> report.delivered, report.gone, dict(report.failed)
    (frozenset({'c1'}), frozenset({'c2'}), {})
"""

from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from corkboard.management_api import ConnectionGoneError

__all__ = ["FanoutReport", "fan_out"]


@dataclass(frozen=True)
class FanoutReport:
    """What happened to each connection a fan-out sent to."""

    delivered: frozenset[str] = frozenset()
    gone: frozenset[str] = frozenset()
    failed: Mapping[str, Exception] = field(default_factory=dict)


def fan_out(
    connection_ids: Collection[str], send: Callable[[str], None], *, concurrency: int
) -> FanoutReport:
    """Call ``send(connection_id)`` for every id, ``concurrency`` at a time at most; report each outcome."""
    if not connection_ids:
        return FanoutReport()
    workers = max(1, min(concurrency, len(connection_ids)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
        futures = {connection_id: pool.submit(send, connection_id) for connection_id in connection_ids}
    outcomes = {connection_id: future.exception() for connection_id, future in futures.items()}
    return FanoutReport(
        delivered=frozenset(cid for cid, error in outcomes.items() if error is None),
        gone=frozenset(cid for cid, error in outcomes.items() if isinstance(error, ConnectionGoneError)),
        failed={
            cid: error
            for cid, error in outcomes.items()
            if isinstance(error, Exception) and not isinstance(error, ConnectionGoneError)
        },
    )
