"""The text rules: the published pattern and the check agree character for character, and blanks are exact."""

import re
import sys
import unicodedata

import pytest

from corkboard.file_names import FILE_NAME_RULE
from corkboard.text_rules import BLANKS, BMP_FORMAT_CHARACTER_RANGES, MULTI_LINE, SINGLE_LINE, TextRule

# Every rule's ranges and every blank lie below U+3100, so those are all checked, and a sample of the rest.
# Surrogates never reach the rules: pydantic refuses a string that UTF-8 cannot encode.
CODE_POINTS = [
    chr(code)
    for code in (*range(0x3100), *range(0x3100, sys.maxunicode + 1, 97))
    if not 0xD800 <= code <= 0xDFFF
]


def _refused_by_check(rule: TextRule, text: str) -> bool:
    try:
        rule.check(text)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("rule", [SINGLE_LINE, MULTI_LINE], ids=["single line", "multi line"])
def test_the_pattern_refuses_exactly_what_the_check_refuses(rule: TextRule) -> None:
    pattern = re.compile(rule.pattern)

    disagreements = [
        f"U+{ord(character):04X}"
        for character in CODE_POINTS
        if _refused_by_check(rule, f"a{character}b") != (pattern.match(f"a{character}b") is None)
    ]

    assert disagreements == []


def test_a_file_name_pattern_leaves_to_the_check_only_format_characters_beyond_the_bmp() -> None:
    pattern = re.compile(FILE_NAME_RULE.pattern)

    admitted = [
        c for c in CODE_POINTS if pattern.match(f"a{c}b") and _refused_by_check(FILE_NAME_RULE, f"a{c}b")
    ]
    refused = [
        c
        for c in CODE_POINTS
        if not pattern.match(f"a{c}b") and not _refused_by_check(FILE_NAME_RULE, f"a{c}b")
    ]

    assert refused == []
    assert all(ord(c) > 0xFFFF and unicodedata.category(c) == "Cf" for c in admitted), admitted


def test_the_bmp_format_ranges_are_this_pythons_format_characters() -> None:
    listed = {code for low, high in BMP_FORMAT_CHARACTER_RANGES for code in range(low, high + 1)}

    assert listed == {code for code in range(0x10000) if unicodedata.category(chr(code)) == "Cf"}


def test_blanks_are_what_strip_removes_less_what_every_rule_refuses() -> None:
    strippable = {c for c in CODE_POINTS if c.isspace()}

    assert set(BLANKS) == {c for c in strippable if not _refused_by_check(MULTI_LINE, f"a{c}b")} - set(
        "\t\n\r"
    )


@pytest.mark.parametrize("text", ["", " ", "\u3000\u00a0", "\u2003"])
def test_a_blank_title_is_refused_by_both_and_an_empty_description_is_not(text: str) -> None:
    assert _refused_by_check(SINGLE_LINE, text)
    assert re.match(SINGLE_LINE.pattern, text) is None
    assert not _refused_by_check(MULTI_LINE, text)


def test_the_refusal_names_the_character_and_where_it_is() -> None:
    with pytest.raises(ValueError, match=r"U\+202E \(RIGHT-TO-LEFT OVERRIDE\) at character 6"):
        SINGLE_LINE.check("photo\u202egpj.exe")
