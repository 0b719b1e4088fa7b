"""Settings come lazily from the environment and Secrets Manager, and name any missing variable."""

from typing import Any

import pytest

from corkboard import settings
from corkboard.models import Role
from corkboard.repository import CorkboardRepository
from corkboard.table_design import (
    ENV_ATTACHMENT_MAX_BYTES,
    ENV_ATTACHMENTS_BUCKET_NAME,
    ENV_CURSOR_SECRET_ARN,
    ENV_TABLE_NAME,
)


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


def test_the_attachment_limit_defaults_to_ten_mebibytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_ATTACHMENT_MAX_BYTES, raising=False)
    assert settings.attachment_max_bytes() == 10 * 1024 * 1024 == settings.DEFAULT_ATTACHMENT_MAX_BYTES


def test_the_attachment_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ATTACHMENT_MAX_BYTES, "2048")
    assert settings.attachment_max_bytes() == 2048


@pytest.mark.parametrize("value", ["0", "-1", "ten", "1.5", "1e6", "²"])
def test_an_unusable_attachment_limit_is_named_with_what_to_set(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_ATTACHMENT_MAX_BYTES, value)
    with pytest.raises(settings.InvalidSettingError, match=ENV_ATTACHMENT_MAX_BYTES) as raised:
        settings.attachment_max_bytes()
    assert "whole number of at least 1" in str(raised.value)


def test_the_attachments_bucket_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_ATTACHMENTS_BUCKET_NAME, raising=False)
    with pytest.raises(settings.MissingSettingError, match=ENV_ATTACHMENTS_BUCKET_NAME):
        settings.attachments_bucket_name()
    monkeypatch.setenv(ENV_ATTACHMENTS_BUCKET_NAME, "corkboard-files")
    assert settings.attachments_bucket_name() == "corkboard-files"
