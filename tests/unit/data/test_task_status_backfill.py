"""The GSI2 backfill: tasks stored before GSI2 reach their status list once, and later changes stay."""

from typing import Any

import boto3

from corkboard.models import Task, TaskStatus
from corkboard.repository import TABLE_SCHEMA, CorkboardRepository
from corkboard.table_design import GSI2_PARTITION_KEY, GSI2_SORT_KEY
from dynamo_odm.batch import batch_write
from dynamo_odm.serialization import dump_item
from migrations.task_status_index import BackfillReport, backfill


def _store_as_before_gsi2(aws: Any, tasks: list[Task]) -> None:
    items = [dump_item(task, TABLE_SCHEMA) for task in tasks]
    for item in items:
        del item[GSI2_PARTITION_KEY], item[GSI2_SORT_KEY]
    batch_write(boto3.client("dynamodb"), aws.table_name, [{"PutRequest": {"Item": item}} for item in items])


def test_old_tasks_reach_their_status_list_and_a_second_run_finds_nothing(
    aws: Any, repository: CorkboardRepository
) -> None:
    board = repository.create_board(name="Old", description="", owner_id="owner")
    statuses = [TaskStatus.DOING, TaskStatus.TODO, TaskStatus.DOING, TaskStatus.DONE]
    old = [Task(board_id=board.board_id, title=f"t{n}", status=s, version=1) for n, s in enumerate(statuses)]
    _store_as_before_gsi2(aws, old)
    missing = repository.list_tasks(board.board_id, status=TaskStatus.DOING, limit=10, cursor=None).items

    first = backfill(boto3.client("dynamodb"), aws.table_name)
    doing = repository.list_tasks(board.board_id, status=TaskStatus.DOING, limit=10, cursor=None).items
    second = backfill(boto3.client("dynamodb"), aws.table_name)

    assert missing == []
    assert first == BackfillReport(updated=4, skipped=0)
    assert sorted(task.task_id for task in doing) == sorted(
        t.task_id for t in old if t.status is TaskStatus.DOING
    )
    assert second == BackfillReport(updated=0, skipped=0)


def test_a_task_whose_status_changed_during_the_scan_keeps_its_new_status_list(
    aws: Any, repository: CorkboardRepository
) -> None:
    board = repository.create_board(name="Busy", description="", owner_id="owner")
    task = Task(board_id=board.board_id, title="moving", status=TaskStatus.TODO, version=1)
    _store_as_before_gsi2(aws, [task])
    client = boto3.client("dynamodb")

    def move_first(**_: Any) -> None:
        # Between the scan's read and the backfill's write, somebody moves the task to done.
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", move_first)
        repository.update_task(board.board_id, task.task_id, expected_version=1, changes={"status": "done"})

    client.meta.events.register("before-call.dynamodb.UpdateItem", move_first)
    report = backfill(client, aws.table_name)

    assert report == BackfillReport(updated=0, skipped=1)
    assert repository.list_tasks(board.board_id, status=TaskStatus.TODO, limit=10, cursor=None).items == []
    [done] = repository.list_tasks(board.board_id, status=TaskStatus.DONE, limit=10, cursor=None).items
    assert done.task_id == task.task_id
