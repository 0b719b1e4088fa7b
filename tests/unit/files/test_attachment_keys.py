"""Object keys: attachments/{board}/{task}/{attachment}, and nothing else parses as one."""

import pytest

from corkboard.attachment_keys import AttachmentKey, board_prefix, task_prefix


def test_a_key_round_trips() -> None:
    key = AttachmentKey("B1", "T1", "A1")

    assert key.object_key == "attachments/B1/T1/A1"
    assert AttachmentKey.parse(key.object_key) == key


def test_prefixes_end_at_a_separator_so_one_id_never_covers_another() -> None:
    assert board_prefix("ab") == "attachments/ab/"
    assert task_prefix("ab", "t") == "attachments/ab/t/"
    assert not AttachmentKey("abc", "t", "a").object_key.startswith(board_prefix("ab"))


@pytest.mark.parametrize(
    "key",
    [
        "attachments/B1/T1",
        "attachments/B1/T1/A1/extra",
        "attachments/B1//A1",
        "attachments/B 1/T1/A1",
        "attachments/B1/T1/A1\n",
        "attachments/../T1/A1",
        f"attachments/{'x' * 65}/T1/A1",
        "uploads/B1/T1/A1",
        "B1/T1/A1",
    ],
)
def test_keys_outside_the_layout_do_not_parse(key: str) -> None:
    assert AttachmentKey.parse(key) is None
