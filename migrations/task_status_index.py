"""Give tasks stored before GSI2 existed the keys that put them in their status list (issue 12, finding 7).

``GET /boards/{boardId}/tasks?status=`` reads GSI2, whose keys (``gsi2pk``/``gsi2sk``) every task gets when
it is saved. Tasks saved before that have none, so they would be missing from every status list until
their next change. This scans the table once for such tasks and writes their keys with an UpdateItem
conditioned on the keys still being absent and the status unchanged: a task changed meanwhile already
has the right keys and is left alone. Running it again finds nothing to do.

Run (operator credentials; the table is the main table of ``Corkboard-{env}-Data``)::

    .venv/bin/python -m migrations.task_status_index --table <main table name> [--region eu-west-1]
"""

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

# The key templates live on the Task model (lambdas/), which imports its own package as ``corkboard``.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambdas"))

from corkboard.models import Task
from corkboard.table_design import GSI2_PARTITION_KEY, GSI2_SORT_KEY, PARTITION_KEY, SORT_KEY

__all__ = ["BackfillReport", "backfill", "main"]


@dataclass(frozen=True)
class BackfillReport:
    """Tasks given their GSI2 keys, and tasks skipped because they changed while the scan ran."""

    updated: int
    skipped: int


def backfill(client: Any, table_name: str) -> BackfillReport:
    """Write the GSI2 keys of every task that has none; see the module."""
    updated = skipped = 0
    for item in _tasks_without_status_keys(client, table_name):
        values = {
            "board_id": item["board_id"]["S"],
            "task_id": item["task_id"]["S"],
            "status": item["status"]["S"],
        }
        try:
            client.update_item(
                TableName=table_name,
                Key={PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]},
                UpdateExpression="SET #pk2 = :pk2, #sk2 = :sk2",
                ConditionExpression="attribute_not_exists(#pk2) AND #status = :status",
                ExpressionAttributeNames={
                    "#pk2": GSI2_PARTITION_KEY,
                    "#sk2": GSI2_SORT_KEY,
                    "#status": "status",
                },
                ExpressionAttributeValues={
                    ":pk2": {"S": Task.render_key(GSI2_PARTITION_KEY, values)},
                    ":sk2": {"S": Task.render_key(GSI2_SORT_KEY, values)},
                    ":status": item["status"],
                },
            )
            updated += 1
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            skipped += 1
    return BackfillReport(updated, skipped)


def _tasks_without_status_keys(client: Any, table_name: str) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": "begins_with(#sk, :task) AND attribute_not_exists(#pk2)",
        "ProjectionExpression": "#pk, #sk, board_id, task_id, #status",
        "ExpressionAttributeNames": {
            "#pk": PARTITION_KEY,
            "#sk": SORT_KEY,
            "#pk2": GSI2_PARTITION_KEY,
            "#status": "status",
        },
        "ExpressionAttributeValues": {":task": {"S": Task.key_prefix(SORT_KEY)}},
    }
    while True:
        page = client.scan(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the main table's name")
    parser.add_argument("--region", default=None, help="default: the AWS CLI's configured region")
    args = parser.parse_args(argv)
    report = backfill(boto3.client("dynamodb", region_name=args.region), args.table)
    print(
        f"{report.updated} task(s) given their status-list keys; "
        f"{report.skipped} changed meanwhile and already had them."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
