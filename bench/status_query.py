"""Items read per `GET /boards/{boardId}/tasks?status=doing` request: the partition filter against GSI2.

A board of 10,000 tasks, 100 of them `doing` (every 100th, so matches are spread through the partition),
is written to moto in process. Each path then lists the `doing` tasks page by page, as clients do with the
API's default page size, and every Query it sends is counted at the client:

* before: the old path, a Query on the board's partition with a FilterExpression on the status (what
  ``CorkboardRepository.list_tasks`` sent until issue 12), run through the same model layer;
* after: ``CorkboardRepository.list_tasks`` as it is, a Query on GSI2 (one board's tasks in one status).

"Items read" is DynamoDB's ``ScannedCount``: what a Query evaluates, and is billed for, before any filter.
moto reports a constant ``ConsumedCapacity``, so the read capacity is computed here from the items read,
by DynamoDB's rule for a Query: their total size rounded up to 4 KB, one unit per 4 KB when strongly
consistent (the old path) and half a unit when eventually consistent (a GSI read), per Query call.
Prints figures only.

Run: `make bench` or `.venv/bin/python bench/status_query.py [--tasks 10000] [--doing 100] [--limit 20]`.
"""

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "lambdas"), str(ROOT / "tests" / "unit")]

# What a deployed function has; set before boto3 is imported. Credentials are moto's fakes.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto_account import create_main_table  # noqa: E402

from corkboard.models import Board, Task, TaskStatus  # noqa: E402
from corkboard.repository import TABLE_SCHEMA, CorkboardRepository  # noqa: E402
from corkboard.table_design import PARTITION_KEY, SORT_KEY  # noqa: E402
from dynamo_odm import Attr, CursorCodec, Key, Page, Query, Table  # noqa: E402
from dynamo_odm.batch import batch_write  # noqa: E402
from dynamo_odm.serialization import dump_item  # noqa: E402

BOARD_ID = "01BENCHBOARD00000000000000"
CURSOR_KEY = b"bench-cursor-key-0123456789abcdef"
_READ_UNIT_BYTES = 4096


@dataclass
class QueryTally:
    """What the Queries of one request read: calls, items evaluated (ScannedCount), read capacity units."""

    calls: int = 0
    items_read: int = 0
    read_units: float = 0.0
    returned: int = 0


@dataclass
class Watch:
    """Counts each Query the client sends into the current request's tally."""

    mean_item_bytes: float
    requests: list[QueryTally] = field(default_factory=list)
    _consistent: bool = False

    def before_query(self, params: dict[str, Any], **_: Any) -> None:
        self._consistent = bool(params.get("ConsistentRead"))

    def after_query(self, parsed: dict[str, Any], **_: Any) -> None:
        tally = self.requests[-1]
        scanned = int(parsed["ScannedCount"])
        tally.calls += 1
        tally.items_read += scanned
        # Items a filter drops are read, and billed, all the same; every task has about the same size.
        units = math.ceil(scanned * self.mean_item_bytes / _READ_UNIT_BYTES)
        tally.read_units += units if self._consistent else units / 2


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """DynamoDB's size of an item of string, number, boolean and null attributes (names count too).

    Written out because no library computes it; the rules are in the DynamoDB developer guide ("Item
    sizes and formats"): strings count their UTF-8 bytes, numbers about one byte per two digits plus one.
    """
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, content), *_ = value.items()
        if kind == "S":
            size += len(str(content).encode())
        elif kind == "N":
            size += math.ceil(len(str(content).lstrip("-").replace(".", "")) / 2) + 1
        else:
            size += 1
    return size


def write_board(client: Any, table_name: str, *, tasks: int, doing: int) -> float:
    """The board and its tasks, written with BatchWriteItem; returns the mean size of a task item."""
    every = tasks // doing
    items = [dump_item(Board(board_id=BOARD_ID, name="Bench", owner_id="owner", version=1), TABLE_SCHEMA)]
    sizes: list[int] = []
    for index in range(tasks):
        status = TaskStatus.DOING if index % every == every - 1 else TaskStatus.TODO
        task = Task(board_id=BOARD_ID, title=f"Task {index}", description="x" * 80, status=status, version=1)
        item = dump_item(task, TABLE_SCHEMA)
        sizes.append(item_size(item))
        items.append(item)
    batch_write(client, table_name, [{"PutRequest": {"Item": item}} for item in items])
    return sum(sizes) / len(sizes)


def old_path(table: Table) -> Callable[[int, str | None], Page[Task]]:
    """The request `list_tasks` sent before GSI2: the whole task range of the partition, filtered."""
    partition = Board.render_key(PARTITION_KEY, {"board_id": BOARD_ID})

    def read(limit: int, cursor: str | None) -> Page[Task]:
        query = Query(
            Key(PARTITION_KEY).eq(partition) & Key(SORT_KEY).begins_with(Task.key_prefix(SORT_KEY)),
            scope="bench-old-path",
            filter=Attr("status").eq(TaskStatus.DOING),
            descending=True,
            consistent=True,
        )
        return table.page(Task, query, limit=limit, cursor=cursor)

    return read


def new_path(repository: CorkboardRepository) -> Callable[[int, str | None], Page[Task]]:
    def read(limit: int, cursor: str | None) -> Page[Task]:
        return repository.list_tasks(BOARD_ID, status=TaskStatus.DOING, limit=limit, cursor=cursor)

    return read


def walk(read: Callable[[int, str | None], Page[Task]], watch: Watch, limit: int) -> Iterator[QueryTally]:
    """Every page of the list, one request each, as a client pages through it."""
    cursor: str | None = None
    while True:
        watch.requests.append(QueryTally())
        page = read(limit, cursor)
        watch.requests[-1].returned = len(page.items)
        yield watch.requests[-1]
        cursor = page.next_cursor
        if cursor is None:
            return


def report(name: str, tallies: list[QueryTally]) -> None:
    first = tallies[0]
    returned = sum(tally.returned for tally in tallies)
    read = sum(tally.items_read for tally in tallies)
    units = sum(tally.read_units for tally in tallies)
    print(
        f"{name:<34} first request: {first.items_read:>6,} items read for {first.returned} returned, "
        f"{first.calls} Query call(s), {first.read_units:>6.1f} RCU"
    )
    print(
        f"{'':<34} all {len(tallies)} requests:  {read:>6,} items read for {returned} returned "
        f"({read / len(tallies):,.0f} per request), {units:.1f} RCU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--doing", type=int, default=100)
    parser.add_argument("--limit", type=int, default=20, help="page size (the API's default is 20)")
    args = parser.parse_args()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        table_name = create_main_table(client)
        watch = Watch(write_board(client, table_name, tasks=args.tasks, doing=args.doing))
        client.meta.events.register("before-call.dynamodb.Query", watch.before_query)
        client.meta.events.register("after-call.dynamodb.Query", watch.after_query)
        table = Table(table_name, TABLE_SCHEMA, client=client, cursors=CursorCodec(CURSOR_KEY))
        repository = CorkboardRepository(table_name=table_name, cursor_key=CURSOR_KEY, client=client)
        print(
            f"{args.tasks:,} tasks on one board, {args.doing} of them `doing`; "
            f"GET .../tasks?status=doing&limit={args.limit}, every page:"
        )
        before = list(walk(old_path(table), watch, args.limit))
        after = list(walk(new_path(repository), watch, args.limit))
        assert [t.returned for t in before] == [t.returned for t in after], "both paths list the same tasks"
        report("before (partition Query + filter)", before)
        report("after  (GSI2 Query)", after)


if __name__ == "__main__":
    main()
