"""File names: labels that cannot mislead, and a download header that keeps the exact name safely."""

import pytest

from corkboard.file_names import FILE_NAME_MAX_LENGTH, check_file_name, content_disposition


@pytest.mark.parametrize(
    "name",
    [
        "plan.pdf",
        "Q3 report (v2).pdf",
        "数据.csv",
        ".env",
        "x" * FILE_NAME_MAX_LENGTH,
        # Not assigned in this Python's Unicode tables, as a newer emoji would not be: accepted.
        "\U000d04db.png",
    ],
)
def test_ordinary_names_pass_unchanged(name: str) -> None:
    assert check_file_name(name) == name


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("", "1 to 255"),
        (" \t", "1 to 255"),
        ("x" * (FILE_NAME_MAX_LENGTH + 1), "1 to 255"),
        ("..", "not file names"),
        ("a/b", "no path"),
        ("a\\b", "no path"),
        ("a\rb", "control"),
        ("a\u2028b", "control"),
        ("photo\u202egpj.exe", "invisible"),
    ],
)
def test_misleading_names_are_refused_with_a_reason(name: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        check_file_name(name)


def test_a_plain_name_goes_into_both_header_parameters() -> None:
    assert content_disposition("plan.pdf") == "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"


def test_quotes_backslashes_and_non_ascii_never_break_the_quoted_name() -> None:
    header = content_disposition('a"b\\c é;.txt')

    assert header == "attachment; filename=\"a_b_c _;.txt\"; filename*=UTF-8''a%22b%5Cc%20%C3%A9%3B.txt"
