"""Reading the caller from Cognito claims, in every shape ``cognito:groups`` arrives in."""

import pytest

from corkboard.errors import UnauthorizedError
from corkboard.identity import caller_from_claims, parse_groups


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, set()),
        ("", set()),
        ("admins", {"admins"}),
        ("[admins editors]", {"admins", "editors"}),
        ("admins,editors", {"admins", "editors"}),
        ("admins, editors", {"admins", "editors"}),
        ('["admins","editors"]', {"admins", "editors"}),
        (["admins", "editors"], {"admins", "editors"}),
        ("[]", set()),
    ],
)
def test_groups_are_parsed_from_any_shape(raw: object, expected: set[str]) -> None:
    assert parse_groups(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"email": "x@example.com"}])
def test_claims_without_a_subject_are_unauthorized(claims: dict[str, str] | None) -> None:
    with pytest.raises(UnauthorizedError):
        caller_from_claims(claims)


def test_admin_group_grants_admin() -> None:
    caller = caller_from_claims(
        {"sub": "u-1", "email": "ada@example.com", "cognito:groups": "[staff admins]"}
    )

    assert (caller.user_id, caller.email, caller.is_admin) == ("u-1", "ada@example.com", True)


def test_admin_group_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_GROUP", "operators")

    assert caller_from_claims({"sub": "u-1", "cognito:groups": "operators"}).is_admin
    assert not caller_from_claims({"sub": "u-1", "cognito:groups": "admins"}).is_admin
