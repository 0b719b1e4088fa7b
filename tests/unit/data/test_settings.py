"""Settings come lazily from the environment and Secrets Manager, and name any missing variable."""

from typing import Any

import pytest

from corkboard import settings
from corkboard.models import Role
from corkboard.repository import CorkboardRepository
from corkboard.table_design import ENV_CURSOR_SECRET_ARN, ENV_TABLE_NAME


def test_table_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TABLE_NAME, "corkboard-main")
    assert settings.table_name() == "corkboard-main"


@pytest.mark.parametrize(
    ("read", "variable"),
    [(settings.table_name, ENV_TABLE_NAME), (settings.cursor_key, ENV_CURSOR_SECRET_ARN)],
)
def test_a_missing_variable_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, read: Any, variable: str
) -> None:
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(settings.MissingSettingError, match=variable) as raised:
        read()
    assert raised.value.variable == variable


def test_cursor_key_is_the_secret_value(aws: Any) -> None:
    assert settings.cursor_key() == aws.cursor_key


def test_repository_reads_nothing_until_first_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TABLE_NAME, raising=False)
    repository = CorkboardRepository()
    with pytest.raises(settings.MissingSettingError, match=ENV_TABLE_NAME):
        repository.get_board("b1")


def test_repository_fetches_the_cursor_key_only_to_sign_a_cursor(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = CorkboardRepository()
    board = repository.create_board(name="B", description="", owner_id="owner")
    repository.put_membership(board.board_id, "ann", Role.VIEWER)
    monkeypatch.delenv(ENV_CURSOR_SECRET_ARN)
    assert repository.get_board(board.board_id) == board
    with pytest.raises(settings.MissingSettingError, match=ENV_CURSOR_SECRET_ARN):
        repository.list_members(board.board_id, limit=1, cursor=None)
