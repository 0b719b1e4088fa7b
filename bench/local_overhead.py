"""The local cloud's overhead: ``GET /boards/{boardId}`` through the emulator beside its DynamoDB work alone.

Through the emulator, a request crosses the aiohttp gateway, the Cognito authorizer check, the REST
function's worker process (with its IAM check) and two consistent GetItems on moto (the caller's membership,
then the board: what ``corkboard.services.boards.get`` reads). Directly, the same two GetItems are sent with
boto3 to the same moto server. Both run N times after a warm-up; p50, p95 and their ratio are printed (issue
goal: the emulator within 2x of the bare DynamoDB work). Requests are paced just under the dev stage's
throttling (a client-side copy of its token buckets, with headroom), and the direct calls are paced alike, so
that neither is measured at a pace the other never sees. Prints figures only.

Run: `make bench`, or `make local-synth` once and then
`.venv/bin/python bench/local_overhead.py [--requests 300] [--warm-up 30] [--cdk-out .local/cdk.out]`.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from local_cloud_session import BenchmarkError, LocalCloudSession, add_cdk_out_argument, local_cloud_session

from cdk_local_cloud.contracts.deployment import Deployment
from cdk_local_cloud.gateway.rest.deployment import load_rest_apis
from cdk_local_cloud.gateway.rest.model import ThrottleLimits
from cdk_local_cloud.gateway.rest.throttling import StageThrottle
from corkboard.models import Board, Membership
from corkboard.table_design import ENV_TABLE_NAME, PARTITION_KEY, SORT_KEY

PRIMARY_KEY = (PARTITION_KEY, SORT_KEY)
RESOURCE_PATH = "/boards/{boardId}"
THROTTLE_WAIT_SECONDS = 0.002
# Requests reach the gateway a little later than this process lets them go, and not always equally later:
# pacing at the stage's exact rate would meet its limit now and then.
THROTTLE_HEADROOM = 0.8


def stage_throttle(deployment: Deployment) -> StageThrottle:
    """Token buckets like the REST stage's, slower and shallower: what they let through, it lets through."""
    stages = [stage for api in load_rest_apis(deployment).values() for stage in api.stages.values()]
    if len(stages) != 1:
        raise BenchmarkError(f"Expected one REST API stage, found {len(stages)}: is this the Corkboard app?")
    slower = {
        method: ThrottleLimits(limits.rate_per_second * THROTTLE_HEADROOM, max(1, limits.burst // 2))
        for method, limits in stages[0].throttling.items()
    }
    return StageThrottle(replace(stages[0], throttling=slower))


def latencies(run_once: Callable[[], None], throttle: StageThrottle, count: int, warm_up: int) -> list[float]:
    """Seconds taken by each of ``count`` runs, after ``warm_up`` unmeasured ones; paced by ``throttle``."""
    measured = []
    for run in range(warm_up + count):
        while not throttle.allow(RESOURCE_PATH, "GET"):
            time.sleep(THROTTLE_WAIT_SECONDS)
        started = time.perf_counter()
        run_once()
        if run >= warm_up:
            measured.append(time.perf_counter() - started)
    return measured


def p50_p95(samples: list[float]) -> tuple[float, float]:
    cut_points = statistics.quantiles(samples, n=20, method="inclusive")
    return cut_points[9], cut_points[18]


def direct_on_moto(session: LocalCloudSession, board_id: str) -> Callable[[], None]:
    """The handler's two reads, as the repository sends them (keys rendered by the same models)."""
    dynamodb = session.aws.client("dynamodb")
    table = session.table_named_by(ENV_TABLE_NAME)
    values = {"board_id": board_id, "user_id": session.user_id}
    keys = [model.item_layout().render_keys(values, PRIMARY_KEY) for model in (Membership, Board)]
    calls: list[dict[str, Any]] = [
        {
            "TableName": table,
            "Key": {name: {"S": value} for name, value in key.items()},
            "ConsistentRead": True,
        }
        for key in keys
    ]

    def get_items() -> None:
        for call in calls:
            if "Item" not in dynamodb.get_item(**call):
                raise BenchmarkError(f"GetItem found nothing at {call['Key']}: the seeded board is gone.")

    return get_items


def print_table(request_count: int, warm_up: int, emulated: list[float], direct: list[float]) -> None:
    emulated_p50, emulated_p95 = p50_p95(emulated)
    direct_p50, direct_p95 = p50_p95(direct)
    print(
        f"GET /boards/{{boardId}}: {request_count} requests after {warm_up} warm-up "
        f"(Python {sys.version.split()[0]})"
    )
    print(f"  {'':34}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"  {'through the emulator':34}{emulated_p50 * 1000:9.1f}{emulated_p95 * 1000:9.1f}")
    print(f"  {'2 GetItems directly on moto':34}{direct_p50 * 1000:9.1f}{direct_p95 * 1000:9.1f}")
    print(f"  {'ratio (goal <= 2x)':34}{emulated_p50 / direct_p50:8.1f}x{emulated_p95 / direct_p95:8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_cdk_out_argument(parser)
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind")
    parser.add_argument("--warm-up", type=int, default=30, help="unmeasured requests before them")
    args = parser.parse_args()
    with local_cloud_session(args.cdk_out, user="bench-owner") as session:
        board_id = session.call("POST", "/boards", {"name": "Overhead"})["boardId"]
        emulated, direct = (
            latencies(run_once, stage_throttle(session.deployment), args.requests, args.warm_up)
            for run_once in (
                lambda: session.call("GET", f"/boards/{board_id}"),
                direct_on_moto(session, board_id),
            )
        )
    print_table(args.requests, args.warm_up, emulated, direct)


if __name__ == "__main__":
    main()
