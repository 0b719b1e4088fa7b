"""Object keys: uploads at incoming/{board}/{task}/{attachment}, served files at attachments/{...}."""

import pytest

from corkboard.attachment_keys import AttachmentKey, board_prefixes, task_prefixes


def test_an_upload_key_round_trips_and_the_served_key_is_another() -> None:
    key = AttachmentKey("B1", "T1", "A1")

    assert key.upload_key == "incoming/B1/T1/A1"
    assert key.served_key == "attachments/B1/T1/A1"
    assert AttachmentKey.parse_upload(key.upload_key) == key


def test_prefixes_cover_both_keys_and_end_at_a_separator_so_one_id_never_covers_another() -> None:
    assert board_prefixes("ab") == ("incoming/ab/", "attachments/ab/")
    assert task_prefixes("ab", "t") == ("incoming/ab/t/", "attachments/ab/t/")
    other = AttachmentKey("abc", "t", "a")
    assert not any(
        k.startswith(p) for k in (other.upload_key, other.served_key) for p in board_prefixes("ab")
    )


@pytest.mark.parametrize(
    "key",
    [
        "incoming/B1/T1",
        "incoming/B1/T1/A1/extra",
        "incoming/B1//A1",
        "incoming/B 1/T1/A1",
        "incoming/B1/T1/A1\n",
        "incoming/../T1/A1",
        f"incoming/{'x' * 65}/T1/A1",
        "attachments/B1/T1/A1",
        "uploads/B1/T1/A1",
        "B1/T1/A1",
    ],
)
def test_keys_outside_the_upload_layout_do_not_parse(key: str) -> None:
    assert AttachmentKey.parse_upload(key) is None
