"""CorkboardRepository on moto: boards, memberships, tasks, and the cascade that leaves nothing behind."""

from datetime import date
from typing import Any

import pytest

from corkboard.models import Board, Membership, Role, Task, TaskStatus
from corkboard.repository import CorkboardRepository
from corkboard.table_design import ENV_CURSOR_SECRET_ARN, ENV_TABLE_NAME, GSI1_NAME
from dynamo_odm import InvalidChangeError, ItemNotFoundError, VersionConflictError
from tests.unit.data.conftest import partition_items


def _board(repository: CorkboardRepository, owner_id: str = "owner") -> Board:
    return repository.create_board(name="Roadmap", description="Q3", owner_id=owner_id)


def _task(repository: CorkboardRepository, board_id: str, title: str = "Write docs", **fields: Any) -> Task:
    values: dict[str, Any] = {
        "description": "",
        "status": TaskStatus.TODO,
        "assignee": None,
        "due_date": None,
        **fields,
    }
    return repository.create_task(board_id, title=title, **values)


def _gsi1_items(dynamodb: Any, aws: Any, user_id: str) -> list[dict[str, Any]]:
    return dynamodb.query(
        TableName=aws.table_name,
        IndexName=GSI1_NAME,
        KeyConditionExpression="gsi1pk = :user",
        ExpressionAttributeValues={":user": {"S": f"USER#{user_id}"}},
    )["Items"]


def test_create_board_stores_the_board_and_its_owner_membership(repository: CorkboardRepository) -> None:
    board = _board(repository)
    assert board.version == 1
    assert board.created_at.tzinfo is not None
    assert repository.get_board(board.board_id) == board
    owner = repository.get_membership(board.board_id, "owner")
    assert owner is not None
    assert (owner.role, owner.version) == (Role.OWNER, 1)


def test_board_is_stored_under_its_documented_key(
    repository: CorkboardRepository, dynamodb: Any, aws: Any
) -> None:
    board = _board(repository)
    items = partition_items(dynamodb, aws.table_name, f"BOARD#{board.board_id}")
    assert {item["sk"]["S"] for item in items} == {"META", "MEMBER#owner"}
    meta = next(item for item in items if item["sk"]["S"] == "META")
    assert meta["updated_at"]["S"].endswith("Z")


def test_get_board_of_an_unknown_id_is_none(repository: CorkboardRepository) -> None:
    assert repository.get_board("01ARZ3NDEKTSV4RRFFQ69G5FAV") is None


def test_update_board_changes_fields_bumps_version_and_stamps_updated_at(
    repository: CorkboardRepository,
) -> None:
    board = _board(repository)
    updated = repository.update_board(board.board_id, expected_version=1, changes={"name": "Renamed"})
    assert (updated.name, updated.description, updated.version) == ("Renamed", "Q3", 2)
    assert updated.updated_at > board.updated_at
    assert updated.created_at == board.created_at
    assert repository.get_board(board.board_id) == updated


def test_update_board_with_a_stale_version_reports_the_current_one(repository: CorkboardRepository) -> None:
    board = _board(repository)
    repository.update_board(board.board_id, expected_version=1, changes={"name": "Second"})
    with pytest.raises(VersionConflictError) as raised:
        repository.update_board(board.board_id, expected_version=1, changes={"name": "Stale"})
    assert raised.value.current_version == 2
    assert repository.get_board(board.board_id).name == "Second"


def test_update_of_a_missing_board_is_not_found(repository: CorkboardRepository) -> None:
    with pytest.raises(ItemNotFoundError):
        repository.update_board("missing", expected_version=1, changes={"name": "x"})


@pytest.mark.parametrize("field", ["owner_id", "board_id", "created_at", "version"])
def test_update_board_refuses_immutable_fields(repository: CorkboardRepository, field: str) -> None:
    board = _board(repository)
    with pytest.raises(InvalidChangeError):
        repository.update_board(board.board_id, expected_version=1, changes={field: "x"})


def test_delete_board_removes_every_item_of_the_board(
    repository: CorkboardRepository, dynamodb: Any, aws: Any
) -> None:
    board = _board(repository)
    kept = _board(repository)
    for user in ("ann", "bob"):
        repository.put_membership(board.board_id, user, Role.EDITOR)
    for index in range(40):
        _task(repository, board.board_id, title=f"task {index}")
    _task(repository, kept.board_id)
    dynamodb.put_item(
        TableName=aws.table_name,
        Item={"pk": {"S": f"BOARD#{board.board_id}"}, "sk": {"S": "ATTACH#T1#A1"}},
    )

    deleted = repository.delete_board(board.board_id)

    assert deleted == 1 + 3 + 40 + 1
    assert partition_items(dynamodb, aws.table_name, f"BOARD#{board.board_id}") == []
    for user in ("ann", "bob"):
        assert _gsi1_items(dynamodb, aws, user) == []
    assert [item["gsi1sk"]["S"] for item in _gsi1_items(dynamodb, aws, "owner")] == [f"BOARD#{kept.board_id}"]
    assert len(partition_items(dynamodb, aws.table_name, f"BOARD#{kept.board_id}")) == 3


def test_delete_of_a_missing_board_is_not_found(repository: CorkboardRepository) -> None:
    with pytest.raises(ItemNotFoundError):
        repository.delete_board("missing")


def test_list_boards_for_user_returns_their_boards_newest_first(repository: CorkboardRepository) -> None:
    own = [_board(repository, owner_id="ann") for _ in range(2)]
    shared = _board(repository, owner_id="bob")
    repository.put_membership(shared.board_id, "ann", Role.VIEWER)
    _board(repository, owner_id="bob")

    page = repository.list_boards_for_user("ann", limit=10, cursor=None)

    expected = sorted([*own, shared], key=lambda board: board.board_id, reverse=True)
    assert [board.board_id for board in page.items] == [board.board_id for board in expected]
    assert page.next_cursor is None


def test_list_boards_for_a_user_without_boards_is_empty(repository: CorkboardRepository) -> None:
    page = repository.list_boards_for_user("nobody", limit=10, cursor=None)
    assert (page.items, page.next_cursor) == ([], None)


def test_put_membership_adds_then_changes_a_role_bumping_the_version(repository: CorkboardRepository) -> None:
    board = _board(repository)
    added = repository.put_membership(board.board_id, "ann", Role.VIEWER)
    changed = repository.put_membership(board.board_id, "ann", Role.EDITOR)
    assert (added.version, changed.version) == (1, 2)
    assert changed.role == Role.EDITOR
    assert changed.added_at == added.added_at
    assert repository.get_membership(board.board_id, "ann") == changed


def test_put_membership_on_a_missing_board_is_not_found_and_writes_nothing(
    repository: CorkboardRepository, dynamodb: Any, aws: Any
) -> None:
    with pytest.raises(ItemNotFoundError) as raised:
        repository.put_membership("missing", "ann", Role.EDITOR)
    assert raised.value.model_name == "Board"
    assert _gsi1_items(dynamodb, aws, "ann") == []


def test_put_membership_on_a_deleted_board_is_not_found(repository: CorkboardRepository) -> None:
    board = _board(repository)
    repository.delete_board(board.board_id)
    with pytest.raises(ItemNotFoundError):
        repository.put_membership(board.board_id, "ann", Role.EDITOR)
    assert repository.get_membership(board.board_id, "ann") is None


def test_delete_membership(repository: CorkboardRepository) -> None:
    board = _board(repository)
    repository.put_membership(board.board_id, "ann", Role.EDITOR)
    repository.delete_membership(board.board_id, "ann")
    assert repository.get_membership(board.board_id, "ann") is None


def test_delete_of_an_absent_membership_is_not_found(repository: CorkboardRepository) -> None:
    board = _board(repository)
    with pytest.raises(ItemNotFoundError) as raised:
        repository.delete_membership(board.board_id, "ann")
    assert raised.value.model_name == "Membership"


def test_list_members_returns_memberships_only(repository: CorkboardRepository) -> None:
    board = _board(repository)
    repository.put_membership(board.board_id, "ann", Role.EDITOR)
    _task(repository, board.board_id)
    page = repository.list_members(board.board_id, limit=10, cursor=None)
    assert all(isinstance(member, Membership) for member in page.items)
    assert sorted(member.user_id for member in page.items) == ["ann", "owner"]


def test_create_task_stores_every_field(repository: CorkboardRepository) -> None:
    board = _board(repository)
    task = _task(
        repository,
        board.board_id,
        description="all of it",
        status=TaskStatus.DOING,
        assignee="ann",
        due_date=date(2030, 5, 1),
    )
    assert task.version == 1
    assert len(task.task_id) == 26
    assert repository.get_task(board.board_id, task.task_id) == task


def test_create_task_on_a_missing_board_is_not_found_and_writes_nothing(
    repository: CorkboardRepository, dynamodb: Any, aws: Any
) -> None:
    with pytest.raises(ItemNotFoundError) as raised:
        _task(repository, "missing")
    assert raised.value.model_name == "Board"
    assert partition_items(dynamodb, aws.table_name, "BOARD#missing") == []


def test_update_task_changes_fields_and_can_clear_optional_ones(repository: CorkboardRepository) -> None:
    board = _board(repository)
    task = _task(repository, board.board_id, assignee="ann", due_date=date(2030, 1, 1))
    updated = repository.update_task(
        board.board_id,
        task.task_id,
        expected_version=1,
        changes={"status": "done", "assignee": None, "due_date": None},
    )
    assert (updated.status, updated.assignee, updated.due_date, updated.version) == (
        TaskStatus.DONE,
        None,
        None,
        2,
    )
    assert repository.get_task(board.board_id, task.task_id) == updated


def test_update_task_with_a_stale_version_reports_the_current_one(repository: CorkboardRepository) -> None:
    board = _board(repository)
    task = _task(repository, board.board_id)
    repository.update_task(board.board_id, task.task_id, expected_version=1, changes={"title": "Two"})
    with pytest.raises(VersionConflictError) as raised:
        repository.update_task(board.board_id, task.task_id, expected_version=1, changes={"title": "Stale"})
    assert raised.value.current_version == 2


def test_update_of_a_missing_task_is_not_found(repository: CorkboardRepository) -> None:
    board = _board(repository)
    with pytest.raises(ItemNotFoundError):
        repository.update_task(board.board_id, "missing", expected_version=1, changes={"title": "x"})


def test_delete_task_removes_it_and_its_attachment_records_only(
    repository: CorkboardRepository, dynamodb: Any, aws: Any
) -> None:
    board = _board(repository)
    doomed = _task(repository, board.board_id)
    kept = _task(repository, board.board_id)
    for task_id, attachment_id in ((doomed.task_id, "A1"), (doomed.task_id, "A2"), (kept.task_id, "A3")):
        dynamodb.put_item(
            TableName=aws.table_name,
            Item={"pk": {"S": f"BOARD#{board.board_id}"}, "sk": {"S": f"ATTACH#{task_id}#{attachment_id}"}},
        )

    repository.delete_task(board.board_id, doomed.task_id)

    remaining = {
        item["sk"]["S"] for item in partition_items(dynamodb, aws.table_name, f"BOARD#{board.board_id}")
    }
    assert remaining == {"META", "MEMBER#owner", f"TASK#{kept.task_id}", f"ATTACH#{kept.task_id}#A3"}


def test_delete_task_at_a_stale_version_is_refused(repository: CorkboardRepository) -> None:
    board = _board(repository)
    task = _task(repository, board.board_id)
    repository.update_task(board.board_id, task.task_id, expected_version=1, changes={"title": "Two"})
    with pytest.raises(VersionConflictError) as raised:
        repository.delete_task(board.board_id, task.task_id, expected_version=1)
    assert raised.value.current_version == 2
    assert repository.get_task(board.board_id, task.task_id) is not None


def test_delete_task_at_the_current_version(repository: CorkboardRepository) -> None:
    board = _board(repository)
    task = _task(repository, board.board_id)
    repository.delete_task(board.board_id, task.task_id, expected_version=1)
    assert repository.get_task(board.board_id, task.task_id) is None


def test_delete_of_a_missing_task_is_not_found(repository: CorkboardRepository) -> None:
    board = _board(repository)
    with pytest.raises(ItemNotFoundError):
        repository.delete_task(board.board_id, "missing")


def test_explicit_configuration_needs_no_environment(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TABLE_NAME)
    monkeypatch.delenv(ENV_CURSOR_SECRET_ARN)
    repository = CorkboardRepository(table_name=aws.table_name, cursor_key=b"k" * 32)
    board = _board(repository)
    repository.put_membership(board.board_id, "ann", Role.EDITOR)
    page = repository.list_members(board.board_id, limit=1, cursor=None)
    assert page.next_cursor is not None
