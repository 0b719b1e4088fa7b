"""The client JSON reader's edges: the deepest and longest input it takes, and the first it refuses."""

import pytest

from corkboard.client_json import MAX_NESTING_DEPTH, read_client_json
from corkboard.errors import InvalidRequestError, MalformedJsonError


def _nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_nesting_up_to_the_limit_is_read() -> None:
    document = read_client_json(_nested(MAX_NESTING_DEPTH))

    assert isinstance(document, dict)


def test_one_level_more_is_refused_without_reaching_the_interpreters_limit() -> None:
    with pytest.raises(InvalidRequestError, match="nests deeper than 32 levels"):
        read_client_json(_nested(MAX_NESTING_DEPTH + 1))


def test_an_integer_of_4300_digits_is_read_and_one_more_digit_is_refused() -> None:
    assert read_client_json("9" * 4300) == int("9" * 4300)
    with pytest.raises(InvalidRequestError, match="4301 digits"):
        read_client_json("-" + "9" * 4301)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_the_constants_python_accepts_but_json_does_not_are_malformed(constant: str) -> None:
    with pytest.raises(MalformedJsonError, match=f"{constant} is not a JSON value"):
        read_client_json(f'{{"size": {constant}}}')


def test_a_syntax_error_says_where() -> None:
    with pytest.raises(MalformedJsonError, match="at character 9"):
        read_client_json('{"name": }')
